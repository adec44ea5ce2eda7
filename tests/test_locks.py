"""The locks in ``requirements/``: hash-pinned, naming no host, and in step with pyproject.

A dependency added to (or tightened in) ``pyproject.toml`` without rerunning
``python3 requirements/lock.py`` fails here, not on a newcomer's machine.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])

#: Each lock and the extras it must hold (what requirements/lock.py resolves).
LOCKS = {
    "dev.txt": ("dev",),
    "server.txt": ("server",),
    "web.txt": ("web",),
    "deploy.txt": ("server", "postgres", "redis"),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)(?: ; (.+?))? \\$", re.MULTILINE)


def entries(text: str) -> list[str]:
    """The lock's requirements, each with its continuation lines (hashes, comments)."""
    return [block for block in re.split(r"\n(?=\S)", text) if not block.startswith("#")]


def pins(name: str) -> dict[str, list[str]]:
    """The versions a lock pins, by canonical package name (more than one under markers)."""
    text = (REQUIREMENTS / name).read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for match in PIN.finditer(text):
        found.setdefault(canonicalize_name(match.group(1)), []).append(match.group(2))
    return found


def wanted(extras: tuple[str, ...]) -> list[Requirement]:
    """The project's own dependencies and those of ``extras``, self-references followed."""
    optional: dict[str, list[str]] = PYPROJECT["project"]["optional-dependencies"]
    requirements: list[Requirement] = []
    pending = [*PYPROJECT["project"]["dependencies"], *(d for e in extras for d in optional[e])]
    seen: set[str] = set()
    while pending:
        requirement = Requirement(pending.pop())
        if canonicalize_name(requirement.name) == PROJECT:
            for extra in sorted(requirement.extras - seen):
                seen.add(extra)
                pending.extend(optional[extra])
            continue
        requirements.append(requirement)
    return requirements


def test_every_lock_is_there_and_no_other() -> None:
    assert sorted(p.name for p in REQUIREMENTS.glob("*.txt")) == sorted(LOCKS)


@pytest.mark.parametrize("name", LOCKS)
def test_a_lock_names_no_host_and_no_index(name: str) -> None:
    text = (REQUIREMENTS / name).read_text(encoding="utf-8")

    assert re.findall(r"[a-z][a-z0-9+.-]*://\S*", text, re.IGNORECASE) == []
    options = set(re.findall(r"^\s*(-[-a-z]*)", text, re.MULTILINE))
    assert options == {"--hash"}, "no pip option in a lock but the hashes"


@pytest.mark.parametrize("name", LOCKS)
def test_every_pin_of_a_lock_has_its_hashes(name: str) -> None:
    blocks = entries((REQUIREMENTS / name).read_text(encoding="utf-8"))
    unhashed = [b.split()[0] for b in blocks if "--hash=sha256:" not in b]

    assert blocks
    assert unhashed == []
    assert all(PIN.match(block.splitlines()[0]) for block in blocks), "every entry is a == pin"


@pytest.mark.parametrize(("name", "extras"), LOCKS.items())
def test_a_lock_holds_every_dependency_of_its_extras_in_range(
    name: str, extras: tuple[str, ...]
) -> None:
    locked = pins(name)
    missing = [str(r) for r in wanted(extras) if canonicalize_name(r.name) not in locked]
    out_of_range = [
        f"{r} (locked {version})"
        for r in wanted(extras)
        for version in locked.get(canonicalize_name(r.name), [])
        if not r.specifier.contains(version, prereleases=True)
    ]

    assert missing == [], "rerun python3 requirements/lock.py"
    assert out_of_range == [], "rerun python3 requirements/lock.py"


@pytest.mark.parametrize("name", ["server.txt", "web.txt", "deploy.txt"])
def test_the_service_locks_pin_what_the_gates_tested(name: str) -> None:
    dev = pins("dev.txt")
    differ = {
        package: (versions, dev.get(package))
        for package, versions in pins(name).items()
        if versions != dev.get(package)
    }

    assert differ == {}


@pytest.mark.parametrize("name", LOCKS)
def test_a_lock_says_which_python_it_was_made_for(name: str) -> None:
    floor = re.fullmatch(r">=\s*(\d+\.\d+)", PYPROJECT["project"]["requires-python"])
    assert floor is not None

    first = (REQUIREMENTS / name).read_text(encoding="utf-8").splitlines()[0]

    assert first.startswith(f"# For CPython {floor.group(1)} and newer")


def test_the_readme_commands_install_from_the_locks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    tour = next(c for c in commands if "tour.py" in c)
    site = next(c for c in commands if "microblog-web" in c)
    gates = next(c for c in commands if "tests/gates.py" in c)

    assert ".venv/bin/pip install -q -r requirements/server.txt" in tour
    assert ".venv/bin/pip install -q -r requirements/web.txt" in site
    assert ".venv/bin/pip install -q -r requirements/dev.txt" in gates
    for command in (tour, site, gates):
        assert ".venv/bin/pip install -q --no-deps -e ." in command
        assert "'.[" not in command, "the project's extras come from the lock"
