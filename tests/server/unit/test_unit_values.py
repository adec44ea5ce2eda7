from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microblog_server.domain import (
    InvalidInput,
    mentioned_usernames,
    validate_password,
    validate_text,
    validate_username,
)


@pytest.mark.parametrize("name", ["abc", "A_b_9", "x" * 30])
def test_valid_usernames_pass(name: str) -> None:
    assert validate_username(name) is None


@pytest.mark.parametrize("name", ["ab", "x" * 31, "with space", "dash-ed", "émile", ""])
def test_invalid_usernames_are_reported_at_the_pointer(name: str) -> None:
    error = validate_username(name, pointer="#/items/2/username")

    assert error is not None
    assert error.pointer == "#/items/2/username"


def test_text_must_have_1_to_255_characters() -> None:
    assert validate_text("x") is None
    assert validate_text("x" * 255) is None
    assert validate_text("x" * 256) is not None
    assert validate_text("   ") is not None


def test_password_must_have_8_to_128_characters() -> None:
    assert validate_password("12345678") is None
    assert validate_password("1234567") is not None
    assert validate_password("x" * 129) is not None


def test_mentions_are_whole_at_words_in_order_without_repeats() -> None:
    text = "hi @dana and @Dana, mail a@bcd.org, @jo is short, (@jaime) @x_y_z!"

    assert mentioned_usernames(text) == ["dana", "jaime", "x_y_z"]


def test_invalid_input_summarises_its_errors() -> None:
    error = InvalidInput([])

    assert error.detail == "0 fields are invalid"


@given(st.text(alphabet=st.sampled_from("ab_Z9@ .,!"), max_size=80))
def test_every_mention_is_a_username_written_after_an_at_sign(text: str) -> None:
    names = mentioned_usernames(text)

    assert len({name.lower() for name in names}) == len(names)
    for name in names:
        assert validate_username(name) is None
        assert f"@{name}" in text
