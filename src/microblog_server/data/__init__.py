"""The demo dataset behind ``microblog-server seed``."""

from microblog_server.data.demo import DEMO_PASSWORD, DEMO_USERS, SeedSummary, seed

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SeedSummary", "seed"]
