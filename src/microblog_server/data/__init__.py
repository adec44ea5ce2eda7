"""The demo dataset behind ``microblog-server seed``."""

from microblog_server.data.demo import DEMO_PASSWORD, SeedSummary, seed

__all__ = ["DEMO_PASSWORD", "SeedSummary", "seed"]
