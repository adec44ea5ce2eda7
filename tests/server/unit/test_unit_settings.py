from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr, ValidationError

from microblog_server.settings import Settings


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(ValidationError, match="MICROBLOG_SECRET_KEY"):
        Settings(env="production", secret_key=None)


def test_a_missing_key_is_generated_once_per_instance_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(secret_key=None)

    with caplog.at_level(logging.WARNING):
        first = settings.resolved_secret_key()
    second = settings.resolved_secret_key()

    assert first == second
    assert len(first) >= 32
    assert "MICROBLOG_SECRET_KEY" in caplog.text
    assert Settings(secret_key=None).resolved_secret_key() != first


def test_a_given_key_is_used_as_is() -> None:
    assert Settings(secret_key=SecretStr("k" * 40)).resolved_secret_key() == "k" * 40


def test_settings_come_from_microblog_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROBLOG_TOKEN_TTL", "60")
    monkeypatch.setenv("MICROBLOG_RATE_LIMIT", "off")

    settings = Settings()

    assert settings.token_ttl == 60
    assert settings.rate_limit == "off"


@pytest.mark.parametrize("rate", ["10", "0/60", "a/b", "10/0"])
def test_malformed_rates_are_refused(rate: str) -> None:
    with pytest.raises(ValidationError):
        Settings(rate_limit=rate)


def test_argon2_memory_must_cover_every_lane() -> None:
    with pytest.raises(ValidationError, match="per lane"):
        Settings(password_hash_memory_cost=8, password_hash_parallelism=2)


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(secret_key=SecretStr("short"))


def test_the_auth_cache_keeps_tokens_two_seconds_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MICROBLOG_AUTH_CACHE_SECONDS", raising=False)

    assert Settings().auth_cache_seconds == 2.0


def test_the_auth_cache_seconds_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROBLOG_AUTH_CACHE_SECONDS", "0.5")

    assert Settings().auth_cache_seconds == 0.5


@pytest.mark.parametrize("seconds", [0, 60])
def test_the_auth_cache_seconds_may_be_0_to_60(seconds: float) -> None:
    assert Settings(auth_cache_seconds=seconds).auth_cache_seconds == seconds


@pytest.mark.parametrize("seconds", [-0.1, 60.1])
def test_the_auth_cache_seconds_outside_0_to_60_are_refused(seconds: float) -> None:
    with pytest.raises(ValidationError, match="auth_cache_seconds"):
        Settings(auth_cache_seconds=seconds)


def test_trusted_proxies_are_networks_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROBLOG_TRUSTED_PROXIES", "10.0.0.5, 192.168.1.0/24,::1")

    assert Settings().trusted_proxies == ["10.0.0.5/32", "192.168.1.0/24", "::1/128"]


def test_no_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROBLOG_TRUSTED_PROXIES", raising=False)

    assert Settings().trusted_proxies == []


def test_a_trusted_proxy_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValidationError, match="MICROBLOG_TRUSTED_PROXIES"):
        Settings(trusted_proxies="loadbalancer.internal")
