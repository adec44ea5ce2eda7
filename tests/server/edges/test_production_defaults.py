"""Production defaults: a private database file, Unicode search, no demo data, a real key.

Issue 19, low 11-13: the SQLite file held Argon2 hashes readable by every local user
(0644); search on SQLite folded ASCII only; ``MICROBLOG_ENV=production`` seeded 36
accounts with one documented password and took ``aaaa...`` as its secret key.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from microblog.testing import LocalServer
from microblog_server.cli import main

from .support import bearer, call, serving, sign_up, token

if TYPE_CHECKING:
    from pathlib import Path

HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def test_the_sqlite_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # what most shells run the service with
    try:
        with serving(tmp_path) as served:
            sign_up(served.base, "private")
            authorized = bearer(token(served.base, "private"))
            posted = call(
                served.base,
                "POST",
                "/api/v1/users/private/collection",
                json_body={"text": "a write, so the WAL has pages"},
                headers=authorized,
            )
            assert posted.status == 201, posted.body
            files = sorted(tmp_path.glob("edges.db*"))
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
    finally:
        os.umask(previous)

    assert {"edges.db", "edges.db-wal", "edges.db-shm"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600)


@pytest.mark.parametrize(
    ("stored", "sought"),
    [("ÄRGER über alles", "ärger"), ("ärger über alles", "ÄRGER"), ("Ωμέγα", "ΩΜΈΓΑ")],
)
def test_search_is_case_insensitive_beyond_ascii(stored: str, sought: str) -> None:
    with LocalServer() as server:
        sign_up(server.url, "unicode")
        authorized = bearer(token(server.url, "unicode"))
        for text in (stored, "nothing to see", "100% sure_thing"):
            answer = call(
                server.url,
                "POST",
                "/api/v1/users/unicode/collection",
                json_body={"text": text},
                headers=authorized,
            )
            assert answer.status == 201, answer.body

        found = call(server.url, "GET", f"/api/v1/search?text={quote(sought)}", headers=authorized)
        wildcard = call(server.url, "GET", "/api/v1/search?text=%25_%25", headers=authorized)

    assert found.status == 200, found.body
    assert [post["text"] for post in found.json()["result"]] == [stored]
    assert wildcard.json()["result"] == []  # "%_%" is text, not a LIKE pattern


# --- MICROBLOG_ENV=production --------------------------------------------------------


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A production environment over a fresh SQLite file, cheap hashing."""
    for name in list(os.environ):
        if name.startswith("MICROBLOG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("MICROBLOG_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("MICROBLOG_SECRET_KEY", "kP3vX9-qLr7_Zt2mWn8sYb4cHd6fJg1aQe5uTo0iRlMxNzVy")
    monkeypatch.setenv("MICROBLOG_PASSWORD_HASH_MEMORY_COST", "8")
    monkeypatch.setenv("MICROBLOG_PASSWORD_HASH_PARALLELISM", "1")
    monkeypatch.setenv("MICROBLOG_PASSWORD_HASH_TIME_COST", "1")


@pytest.mark.usefixtures("production")
def test_seed_refuses_in_production(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["seed"])

    error = capsys.readouterr().err
    assert status == 2
    assert "MICROBLOG_ENV=production" in error
    assert "demo" in error
    assert not (tmp_path / "prod.db").exists()  # not even migrated


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "weak",
    [
        "a" * 32,
        "a" * 64,
        "changeme-changeme-changeme-changeme",
        "secretsecretsecretsecretsecretsecretse",
        "0123456789" * 4,
        "abababababababababababababababababab",
    ],
)
def test_a_long_but_weak_secret_key_is_refused_in_production(
    weak: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROBLOG_SECRET_KEY", weak)

    status = main(["migrate"])

    error = capsys.readouterr().err
    assert status == 2
    assert "MICROBLOG_SECRET_KEY" in error
    assert HOW_TO_MAKE_ONE in error
    assert weak not in error


@pytest.mark.usefixtures("production")
def test_a_generated_secret_key_is_accepted_in_production(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["migrate"]) == 0, capsys.readouterr().err
