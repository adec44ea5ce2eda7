"""The installed distribution's version, read from its metadata (not from the SDK)."""

from __future__ import annotations

from functools import cache
from importlib import metadata

__all__ = ["package_version"]

DISTRIBUTION = "microblog"


@cache
def package_version() -> str:
    """Return the version of the installed ``microblog`` distribution.

    Returns:
        The version, or ``"0+unknown"`` when run from a source tree that is not installed.
    """
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0+unknown"
