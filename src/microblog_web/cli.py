"""``microblog-web``: serve the site, by default next to an embedded reference service.

With no argument the reference service starts in this process (``LocalServer``: a free
loopback port, a throw-away database) and the site is served on
``http://127.0.0.1:8080``; ``--api URL`` serves the site for a running service instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from typing import TYPE_CHECKING

import uvicorn

from microblog.testing import LocalServer
from microblog_web.app import build_app

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main", "parse_args"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line (see ``microblog-web --help``)."""
    parser = argparse.ArgumentParser(
        prog="microblog-web",
        description="The microblog in a browser. Without --api it also runs the reference"
        " service in-process, with a throw-away database.",
    )
    parser.add_argument("--api", metavar="URL", help="an existing microblog service's base URL")
    parser.add_argument("--host", default="127.0.0.1", help="where the site listens")
    parser.add_argument("--port", type=int, default=8080, help="the site's port (8080)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``microblog-web``."""
    args = parse_args(argv)
    secret = os.environ.get("MICROBLOG_WEB_SECRET")
    if not secret:
        secret = secrets.token_urlsafe(32)
        sys.stderr.write(
            "MICROBLOG_WEB_SECRET is not set: using a random one, so sessions end when this"
            " process does (set it, the same in every process, to keep them).\n"
        )
    with contextlib.ExitStack() as stack:
        api = args.api
        if api is None:
            api = stack.enter_context(LocalServer()).url
            sys.stdout.write(f"The reference service (embedded, throw-away database): {api}\n")
        else:
            sys.stdout.write(f"The service: {api}\n")
        sys.stdout.write(f"The site: http://{args.host}:{args.port}\n")
        sys.stdout.flush()
        app = build_app(api, secret=secret)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
