"""The service's own rules reach the caller as the service's errors, not local ValueErrors.

Issue 10, item 8: the SDK refuses locally only what would change a request's path or has
the wrong type; a page size or a batch length the service refuses today may be allowed by
a newer service, so these go to the service, whose answer the caller gets.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import microblog


@pytest.mark.parametrize("size", [0, 101])
def test_a_page_size_the_service_refuses_is_its_validation_error(
    make_client: Callable[[], microblog.Client], size: int
) -> None:
    client = make_client()

    with pytest.raises(microblog.ValidationError) as caught:
        list(client.users.list(size=size))

    assert any(error.get("parameter") == "size" for error in caught.value.errors)


def test_an_empty_batch_is_the_service_s_validation_error(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()

    with pytest.raises(microblog.ValidationError) as caught:
        client.microposts.create_many([])

    assert caught.value.status_code == 422


def test_a_batch_over_the_service_s_bound_is_its_413(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()

    with pytest.raises(microblog.APIError) as caught:
        client.microposts.create_many(["x"] * 101)

    assert caught.value.status_code == 413
    assert caught.value.code == "payload_too_large"
    assert list(client.me().microposts()) == []
