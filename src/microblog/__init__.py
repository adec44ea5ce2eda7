"""microblog: the Python SDK for the microblog REST API."""

from microblog._version import __version__

__all__ = ["__version__"]
