"""Write the hash-pinned locks in ``requirements/`` from ``pyproject.toml``: one command.

    python3 requirements/lock.py            # add what pyproject.toml gained, keep the rest
    python3 requirements/lock.py --upgrade  # move every package to its newest version

Run it after changing a dependency in ``pyproject.toml`` and commit the result (a test in
``tests/test_repository.py`` fails while a lock misses one). The locks:

- ``dev.txt``: the ``dev`` extra, everything the gates need (README, ``.ci/run``, CI);
- ``server.txt``: the ``server`` extra, what the README's tour needs;
- ``web.txt``: the ``web`` extra, what the README's ``microblog-web`` command needs;
- ``deploy.txt``: the extras ``server``, ``postgres`` and ``redis``, what a deployed node
  runs (``docs/service/deployment.md``; the cluster suite builds its nodes from it).

Each is universal: one file for CPython 3.11 (the floor, ``requires-python``) and every
newer version, on any platform, with one version of each package for all of them
(``--fork-strategy fewest``), so the gates test the same versions on 3.11 and 3.14.
``server.txt``, ``web.txt`` and ``deploy.txt`` are resolved under ``dev.txt`` as a constraint: they
pin exactly the versions the gates tested.

The resolver is uv (``uv pip compile``), pinned below and installed into a throw-away
virtual environment, so nothing but ``python3`` is needed. No lock names an index or
host (uv writes none unless asked; this script checks): where packages come from is the
installing machine's pip configuration. uv resolves against PyPI unless
``UV_DEFAULT_INDEX`` names another index.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = "uv==0.13.10"
PYTHON_FLOOR = "3.11"
COMMAND = "python3 requirements/lock.py"

#: Each lock, the extras it holds, and the lock it is resolved under (as a constraint).
LOCKS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "dev.txt": (("dev",), None),
    "server.txt": (("server",), "dev.txt"),
    "web.txt": (("web",), "dev.txt"),
    "deploy.txt": (("server", "postgres", "redis"), "dev.txt"),
}

#: The first line of every lock: which Pythons and platforms it is for.
FOR_WHOM = (
    f"# For CPython {PYTHON_FLOOR} and newer on any platform (universal; one version of each"
    " package).\n"
)

#: What no committed lock may hold: a URL, or an option that points pip somewhere.
FORBIDDEN = re.compile(
    r"[a-z][a-z0-9+.-]*://|--(?:extra-)?index-url|--find-links|--trusted-host|^-[fi] ",
    re.IGNORECASE | re.MULTILINE,
)


def install_uv(directory: Path) -> Path:
    """Install the pinned uv into a new virtual environment in ``directory``; return uv."""
    venv.create(directory, with_pip=True)
    subprocess.run(
        [str(directory / "bin" / "python"), "-m", "pip", "install", "-q", UV],
        check=True,
    )
    return directory / "bin" / "uv"


def compile_lock(uv: Path, name: str, *, upgrade: bool) -> None:
    """Resolve lock ``name`` with ``uv pip compile`` and check what it wrote."""
    extras, constraint = LOCKS[name]
    command = [
        str(uv),
        "pip",
        "compile",
        "--quiet",
        "--universal",
        "--fork-strategy",
        "fewest",
        "--python-version",
        PYTHON_FLOOR,
        "--generate-hashes",
        "--custom-compile-command",
        COMMAND,
        *(f"--extra={extra}" for extra in extras),
        *(["--constraint", f"requirements/{constraint}"] if constraint else []),
        *(["--upgrade"] if upgrade else []),
        "--output-file",
        f"requirements/{name}",
        "pyproject.toml",
    ]
    subprocess.run(command, cwd=ROOT, check=True)
    path = ROOT / "requirements" / name
    text = path.read_text(encoding="utf-8")
    if FOR_WHOM not in text:  # uv keeps the file's own lines above its header
        path.write_text(FOR_WHOM + text, encoding="utf-8")
    problems = check_lock(path.read_text(encoding="utf-8"))
    if problems:
        sys.exit(f"requirements/{name}: {'; '.join(problems)}")


def check_lock(text: str) -> list[str]:
    """Return what is wrong with a lock's text: a host or index named, a pin without hashes."""
    problems = [f"names a host or index: {m.group(0)!r}" for m in FORBIDDEN.finditer(text)]
    for requirement in re.split(r"\n(?=\S)", text):
        first = requirement.splitlines()[0]
        if "==" in first and "--hash=sha256:" not in requirement:
            problems.append(f"no hashes for {first.split(' ')[0]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Write every lock (``--upgrade``: with the newest versions); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upgrade", action="store_true", help="take the newest version of every package"
    )
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="microblog-lock-") as tools:
        uv = install_uv(Path(tools))
        for name in LOCKS:  # dev.txt first: the others are resolved under it
            compile_lock(uv, name, upgrade=arguments.upgrade)
    print(f"wrote {', '.join(f'requirements/{name}' for name in LOCKS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
