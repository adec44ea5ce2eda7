"""``microblog-server``: run, migrate and seed the reference service.

Usage::

    microblog-server serve [--host 127.0.0.1] [--port 8000] [--workers N]
    microblog-server migrate [--revision head]
    microblog-server seed

Every command reads its settings from ``MICROBLOG_*`` environment variables (see
:class:`microblog_server.settings.Settings`), e.g. ``MICROBLOG_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import logging
import os
import secrets
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pydantic import ValidationError

__all__ = ["build_parser", "describe_invalid_settings", "main"]

logger = logging.getLogger("microblog_server")

_APP = "microblog_server.bootstrap:create_app"
# What `pip install 'microblog[server]'` brings, by import name: without one of them the
# command says which extra to install, in one line, instead of a traceback.
SERVER_EXTRA_MODULES = (
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "jwt",
    "argon2",
    "limits",
)
MISSING_EXTRA = (
    "microblog-server: the service needs the server extra: in a clone of the repository,"
    " pip install '.[server]' (once microblog is released: pip install 'microblog[server]');"
    " missing: {missing}"
)


def missing_server_modules() -> list[str]:
    """The server extra's modules that are not installed (none when the extra is)."""
    return [name for name in SERVER_EXTRA_MODULES if importlib.util.find_spec(name) is None]


_EPILOG = """\
settings come from environment variables, for example:
  MICROBLOG_DATABASE_URL   SQLAlchemy URL (default sqlite:///./microblog.db)
  MICROBLOG_SECRET_KEY     signs tokens (required when MICROBLOG_ENV=production)
  MICROBLOG_RATE_LIMIT     per user, "N/S" or "off" (default 300/60)
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser of ``microblog-server``."""
    parser = argparse.ArgumentParser(
        prog="microblog-server",
        description="The reference microblog REST service (API v1).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="migrate the database, then serve the API with uvicorn",
        description="Apply pending migrations (unless MICROBLOG_AUTO_MIGRATE=false), then "
        "serve the API with uvicorn.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default: %(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default: %(default)s); with more than one, set "
        "MICROBLOG_RATE_LIMIT_STORAGE to a shared store such as redis://",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default: %(default)s)",
    )

    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database schema",
        description="Upgrade the database named by MICROBLOG_DATABASE_URL to a revision.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    migrate.add_argument(
        "--revision", default="head", help="Alembic revision to upgrade to (default: %(default)s)"
    )

    commands.add_parser(
        "seed",
        help="load the demo dataset (users, follows, microposts)",
        description="Migrate, then load the reproducible demo dataset unless it is already "
        "there. Every demo user's password is 'microblog-demo'.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only the serve command needs the server stack

    from microblog_server.persistence import upgrade  # noqa: PLC0415
    from microblog_server.serving import uvicorn_options  # noqa: PLC0415
    from microblog_server.settings import Settings  # noqa: PLC0415
    from microblog_server.worker_sockets import workers_sockets  # noqa: PLC0415

    settings = Settings()
    if settings.auto_migrate:
        upgrade(settings.database_url)
    # Several nodes on one database set MICROBLOG_AUTO_MIGRATE=false and migrate once,
    # before they start (docs/service/deployment.md). The workers build their apps from the
    # environment: the schema is ready, and they must all sign with the same key even
    # when none was configured.
    os.environ["MICROBLOG_AUTO_MIGRATE"] = "false"
    if settings.secret_key is None:
        logger.warning("MICROBLOG_SECRET_KEY is not set: a random key lasts until shutdown")
        os.environ["MICROBLOG_SECRET_KEY"] = secrets.token_urlsafe(32)
    if args.workers > 1 and settings.resolved_rate_limit_storage().startswith("memory"):
        logger.warning("rate limit counters are per worker with memory:// storage")
    options: dict[str, Any] = {
        "factory": True,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "log_level": args.log_level,
        "log_config": _log_config(args.log_level),
        "access_log": False,  # ours (microblog_server.access) carries the request id
        # X-Forwarded-For is believed in one place, the app, from MICROBLOG_TRUSTED_PROXIES
        # only (uvicorn's own would trust 127.0.0.1 or $FORWARDED_ALLOW_IPS on its own).
        "proxy_headers": False,
        **uvicorn_options(settings),
    }
    if args.workers == 1:
        # One worker binds through asyncio's create_server, whose sockets are already TCP.
        uvicorn.run(_APP, **options)
        return 0
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    config = uvicorn.Config(_APP, **options)
    try:
        # On Linux each worker listens on a socket of its own (microblog_server.worker_sockets).
        sockets, port = workers_sockets(args.host, args.port, backlog=config.backlog)
    except OSError as error:
        logger.error("cannot listen on %s:%d: %s", args.host, args.port, error.strerror or error)
        return 1
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d with %d workers (Press CTRL+C to quit)",
        args.host,
        port,
        args.workers,
    )
    Multiprocess(config, sockets=sockets).run()
    return 0


def _log_config(level: str) -> dict[str, Any]:
    """Uvicorn's logging configuration, with the service's own loggers added."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["microblog_server"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


def _migrate(args: argparse.Namespace) -> int:
    from microblog_server.persistence import upgrade  # noqa: PLC0415
    from microblog_server.settings import Settings  # noqa: PLC0415

    settings = Settings()
    upgrade(settings.database_url, args.revision)
    print(f"database at revision {args.revision}")  # noqa: T201 - a CLI reports on stdout
    return 0


def _seed(_: argparse.Namespace) -> int:
    from microblog_server.bootstrap import build_services  # noqa: PLC0415
    from microblog_server.data import DEMO_USERS, seed  # noqa: PLC0415
    from microblog_server.settings import Settings  # noqa: PLC0415

    settings = Settings()
    if settings.env == "production":
        print(  # noqa: T201
            "microblog-server: seed refuses to run with MICROBLOG_ENV=production: the demo "
            f"data is {DEMO_USERS} accounts sharing one published password",
            file=sys.stderr,
        )
        return 2
    services = build_services(settings)
    try:
        summary = seed(services)
    finally:
        services.close()
    if summary.skipped:
        print("demo data already present; nothing written")  # noqa: T201
    else:
        print(  # noqa: T201
            f"seeded {summary.users} users, {summary.follows} follows, "
            f"{summary.microposts} microposts"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``microblog-server`` with ``argv`` (the process arguments by default).

    Returns:
        The exit status.
    """
    args = build_parser().parse_args(argv)
    missing = missing_server_modules()
    if missing:
        print(MISSING_EXTRA.format(missing=", ".join(missing)), file=sys.stderr)  # noqa: T201
        return 2
    from pydantic import ValidationError  # noqa: PLC0415 - the server extra, checked above

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    commands = {"serve": _serve, "migrate": _migrate, "seed": _seed}
    try:
        return commands[args.command](args)
    except ValidationError as error:
        print(describe_invalid_settings(error), file=sys.stderr)  # noqa: T201
        return 2


def describe_invalid_settings(error: ValidationError) -> str:
    """Name each invalid setting and the rule it breaks, never the value it was given.

    pydantic's own message quotes ``input_value``, which may be the secret key.

    Args:
        error: What validating the settings raised.

    Returns:
        One line per broken rule, under a heading.
    """
    lines = ["microblog-server: invalid settings:"]
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        names = [str(part) for part in item["loc"]]
        where = f"MICROBLOG_{names[0].upper()}" if names else "settings"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
