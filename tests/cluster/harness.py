"""Start and stop the parts of a test cluster: PostgreSQL, Redis, service nodes, HAProxy.

Each part runs as a child process on a free loopback port, with its files in a
throw-away directory; nothing of the machine's own PostgreSQL or Redis is used. The nodes
get the settings of ``deploy/node.env`` and HAProxy runs ``deploy/haproxy.cfg``, the
deployment example of docs/service/deployment.md, with their placeholders filled in.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
REQUIREMENTS = ROOT / "requirements" / "deploy.txt"
SECRET_KEY = "cluster-test-secret-key-0123456789abcdef"
DB_USER = "microblog"
DB_NAME = "microblog"
#: Debian packages by the binary the harness needs from them.
PACKAGES = {"postgres": "postgresql", "redis-server": "redis-server", "haproxy": "haproxy"}


class UnavailableError(Exception):
    """A part of the cluster cannot be provided here (the suite skips with the reason)."""


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll ``condition()`` every 50 ms until it is true; raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout} s")


def http_status(url: str, *, timeout: float = 2.0) -> int | None:
    """Return the status of ``GET url``, or ``None`` when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


def _postgres_bindir() -> Path | None:
    # Debian keeps the server's programs (postgres, initdb, pg_isready) out of PATH.
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("postgres")
    return Path(found).parent if found else None


def _installed(binary: str) -> bool:
    if binary == "postgres":
        return _postgres_bindir() is not None
    return shutil.which(binary) is not None or Path("/usr/sbin", binary).exists()


def ensure_installed() -> None:
    """Install what is missing from Debian's packages as root (best effort), or raise.

    Raises:
        UnavailableError: Something is missing and cannot be installed here; says what.
    """
    missing = [binary for binary in PACKAGES if not _installed(binary)]
    if not missing:
        return
    packages = [PACKAGES[binary] for binary in missing]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise UnavailableError(
            f"needs {', '.join(packages)} (Debian: apt-get install {' '.join(packages)})"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
        if result.returncode != 0:
            failure = result.stderr[-300:]
            raise UnavailableError(f"could not install {', '.join(packages)}: {failure!r}")
    still = [binary for binary in PACKAGES if not _installed(binary)]
    if still:
        raise UnavailableError(f"{', '.join(still)} still missing after apt-get install")


def _binary(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class Postgres:
    """A throw-away PostgreSQL cluster (initdb in a temporary directory)."""

    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mb-pg-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database."""
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    @staticmethod
    def _owner() -> str | None:
        # PostgreSQL refuses to run as root: run it as the Debian "postgres" user then
        # (as the child process itself, so signals reach the server, not a wrapper).
        return "postgres" if os.geteuid() == 0 else None

    def create(self) -> None:
        """Initialise the cluster and its database."""
        bindir = _postgres_bindir()
        assert bindir is not None
        self.bindir = bindir
        data = self.directory / "data"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        command = [str(bindir / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust"]
        subprocess.run(
            [*command, "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.directory,
            user=self._owner(),
            group=self._owner(),
        )
        try:
            self.start()
        except BaseException:
            self.destroy()
            raise
        subprocess.run(
            [
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                DB_USER,
                DB_NAME,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        command = [
            str(self.bindir / "postgres"),
            "-D",
            str(self.directory / "data"),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self.directory}",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=200",
        ]
        with (self.directory / "postgres.log").open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=log,
                cwd=self.directory,
                user=self._owner(),
                group=self._owner(),
            )
        wait_for(self._ready, timeout=30, what="PostgreSQL")

    def _ready(self) -> bool:
        result = subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        )
        return result.returncode == 0

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are cut, as in a restart)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        self.process = None

    def sql(self, query: str) -> str:
        """Run one query with psql and return its unaligned output."""
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                DB_USER,
                "-d",
                DB_NAME,
                "-qtAc",
                query,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip()

    def destroy(self) -> None:
        """Stop the server and delete its files."""
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


# --------------------------------------------------------------------------- Redis


@dataclass
class Redis:
    """A redis-server without persistence on a free port, asking for a password."""

    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The ``redis://`` URL of database 0, with the password."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        command = [
            _binary("redis-server"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--requirepass",
            self.password,
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.ping, timeout=20, what="Redis")

    def ping(self) -> bool:
        """Tell whether the server answers ``PING``."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                answer = b""
                while b"PONG" not in answer and b"-" not in answer:
                    chunk = sock.recv(64)
                    if not chunk:
                        return False
                    answer += chunk
                return answer == b"+OK\r\n+PONG\r\n"
        except OSError:
            return False

    def stop(self) -> None:
        """Kill the server (as a crash would)."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


# --------------------------------------------------------------------------- nodes


def node_settings(
    postgres: Postgres, redis: Redis, *, public_base_url: str, **overrides: str
) -> dict[str, str]:
    """Return the environment of a node: ``deploy/node.env`` filled in, then ``overrides``.

    ``public_base_url`` is the load balancer's origin: the nodes build their links from it
    whatever ``Host`` a request names.
    """
    values = {
        "PUBLIC_BASE_URL": public_base_url,
        "SECRET_KEY": SECRET_KEY,
        "DB_USER": DB_USER,
        "DB_PASSWORD": "",
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(postgres.port),
        "DB_NAME": DB_NAME,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis.port),
        "REDIS_PASSWORD": redis.password,
        "LB_ADDRESSES": "127.0.0.1/32",  # every HAProxy of the tests connects from there
    }
    settings: dict[str, str] = {}
    for raw in (DEPLOY / "node.env").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        settings[name] = string.Template(value).substitute(values)
    settings["MICROBLOG_DATABASE_URL"] = settings["MICROBLOG_DATABASE_URL"].replace(
        f"{DB_USER}:@", f"{DB_USER}@"
    )
    settings.update(overrides)
    return settings


@dataclass
class Node:
    """One ``microblog-server serve`` process on its own port."""

    name: str
    python: str
    settings: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path = field(
        default_factory=lambda: Path(tempfile.mkstemp(prefix="mb-node-", suffix=".log")[1])
    )
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The node's base URL (bypassing the load balancer)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """``host:port`` for HAProxy."""
        return f"127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> None:
        """Start the node; wait until ``/health/live`` answers."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("MICROBLOG_")}
        env.update(self.settings)
        env["PYTHONPATH"] = str(ROOT / "src")
        command = [
            self.python,
            "-m",
            "microblog_server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "info",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_live()

    def wait_live(self, timeout: float = 60) -> None:
        """Wait until the process answers ``/health/live``."""
        wait_for(
            lambda: http_status(f"{self.url}/health/live", timeout=1) == 200,
            timeout=timeout,
            what=self.name,
        )

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal to the node's process."""
        assert self.process is not None
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float = 30) -> int:
        """Wait for the process to end; return its status."""
        assert self.process is not None
        status = self.process.wait(timeout=timeout)
        self.process = None
        return status

    def log(self) -> str:
        """Return everything the node has logged."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the node if it runs (SIGTERM, then SIGKILL)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None


def start_nodes(nodes: list[Node]) -> None:
    """Start the nodes together, then wait until each is live (their boots overlap)."""
    for node in nodes:
        node.start(wait=False)
    for node in nodes:
        node.wait_live()


# --------------------------------------------------------------------------- HAProxy


@dataclass
class HAProxy:
    """HAProxy running ``deploy/haproxy.cfg`` in front of the nodes.

    ``settings`` adds to (or replaces) the variables the configuration reads: the edge's
    bounds (``MICROBLOG_LB_REQUEST_TIMEOUT``...), or ``MICROBLOG_NODE1..3`` pointing at
    something else than ``nodes`` (a fault-injecting proxy).
    """

    nodes: list[Node]
    port: int = field(default_factory=free_port)
    settings: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(
        default_factory=lambda: Path(tempfile.mkstemp(prefix="mb-lb-", suffix=".log")[1])
    )

    @property
    def url(self) -> str:
        """The base URL clients use."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The variables ``deploy/haproxy.cfg`` reads."""
        env = {"MICROBLOG_LB_BIND": f"127.0.0.1:{self.port}"}
        for number, node in enumerate(self.nodes, start=1):
            env[f"MICROBLOG_NODE{number}"] = node.address
        env.update(self.settings)
        return env

    def start(self) -> None:
        """Start HAProxy in the foreground; wait until it answers through a node."""
        env = {**os.environ, **self.environment()}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [_binary("haproxy"), "-db", "-f", str(DEPLOY / "haproxy.cfg")],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: http_status(f"{self.url}/health") == 200, timeout=30, what="HAProxy")

    def stop(self) -> None:
        """Stop HAProxy."""
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None


# --------------------------------------------------------------------------- the lock


def deployment_python(cache: Path) -> str:
    """Return a Python whose environment holds exactly ``requirements/deploy.txt``.

    The virtual environment is made once per version of the file (its digest names the
    directory) with ``pip install --require-hashes``; the nodes run the service's source
    tree on it, so they prove the lock is complete and its hashes install.
    """
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    venv = cache / f"deploy-venv-{digest}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return str(python)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--require-hashes",
            "-r",
            str(REQUIREMENTS),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"pip could not install requirements/deploy.txt:\n{result.stderr[-2000:]}"
        )
    (venv / ".complete").touch()
    return str(python)
