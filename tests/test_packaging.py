"""Packaging: the licence travels with the code, and a missing extra is named in one line.

The wheel and the sdist are built into a temporary directory by the project's own build
backend (hatchling, from the dev extra, without network). The missing-extra checks run
``microblog-server`` and ``LocalServer`` in a fresh interpreter in which the server
extra's modules cannot be imported, as after ``pip install microblog`` alone.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LICENSE = ROOT / "LICENSE"

# Run first in the child interpreter: the server extra is "not installed".
BLOCK_SERVER_EXTRA = textwrap.dedent("""
    import importlib.abc, importlib.machinery, sys
    BLOCKED = {"pydantic", "pydantic_settings", "fastapi", "uvicorn", "sqlalchemy",
               "alembic", "jwt", "argon2", "limits"}
    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, Blocker())
    import importlib.util
    _real = importlib.util.find_spec
    importlib.util.find_spec = lambda name, package=None: (
        None if name.partition(".")[0] in BLOCKED else _real(name, package))
""")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_the_repository_has_the_mit_license_its_metadata_names() -> None:
    text = LICENSE.read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")

    assert text.startswith("MIT License\n")
    assert 'license = "MIT"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject


def test_the_wheel_carries_the_license(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (license_name,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
        shipped = archive.read(license_name).decode()

    assert shipped == LICENSE.read_text(encoding="utf-8")
    assert "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata


def test_the_wheel_carries_the_web_app_with_its_templates_script_and_command(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points_name = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = archive.read(entry_points_name).decode()
        shipped_script = archive.read("microblog_web/static/site.js")

    web = ROOT / "src" / "microblog_web"
    assert {"microblog_web/templates/base.html", "microblog_web/py.typed"} <= names
    assert shipped_script == (web / "static" / "site.js").read_bytes()
    assert "microblog-web = microblog_web.cli:main" in entry_points


def test_the_sdist_carries_the_license(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()

    assert f"{sdist.name.removesuffix('.tar.gz')}/LICENSE" in names
    assert not [name for name in names if "/docs/_build/" in name]


def run_without_server_extra(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_SERVER_EXTRA + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_server_command_without_the_extra_says_which_to_install() -> None:
    result = run_without_server_extra("""
        import sys
        from microblog_server.cli import main
        sys.exit(main(["serve"]))
    """)

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "pip install '.[server]'" in line
    assert "pydantic" in line
    assert "Traceback" not in result.stderr


def test_the_local_server_without_the_extra_says_which_to_install() -> None:
    result = run_without_server_extra("""
        from microblog.testing import LocalServer, LocalServerError
        try:
            LocalServer().start()
        except LocalServerError as error:
            print(error)
    """)

    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("LocalServer needs the server extra: in a clone of the repository,")
    assert "pip install '.[server]'" in line
    assert result.stderr == ""
