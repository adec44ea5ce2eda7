"""A tour of the microblog SDK, top to bottom.

Run it from a fresh clone (see the README): with no ``MICROBLOG_URL`` set it starts the
reference service on 127.0.0.1 with a throw-away database; with ``MICROBLOG_URL`` set it
uses that service instead (and makes two users with unique names there).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import TYPE_CHECKING

import microblog

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def service_url() -> Iterator[str]:
    """Yield the service to tour: ``$MICROBLOG_URL``, else a local throw-away one."""
    if url := os.environ.get("MICROBLOG_URL"):
        yield url
        return
    from microblog.testing import LocalServer  # noqa: PLC0415 - needs the [server] extra

    with LocalServer() as server:
        print(f"Started a local microblog service at {server.url}")
        yield server.url


def main() -> None:
    """Walk through the SDK, printing what happens."""
    suffix = secrets.token_hex(3)
    dana_name, bob_name = f"dana_{suffix}", f"bob_{suffix}"
    password = secrets.token_urlsafe(12)

    with service_url() as url:
        # 1. Sign up two users: sign-up needs no login.
        with microblog.Client(url) as anonymous:
            anonymous.users.create(username=dana_name, password=password, display_name="Dana")
            anonymous.users.create(username=bob_name, password=password)
        print(f"Signed up {dana_name} and {bob_name}")

        # 2. Log in: the client logs in lazily, on its first call.
        dana = microblog.Client(url, username=dana_name, password=password)
        bob = microblog.Client(url, username=bob_name, password=password)
        with dana, bob:
            me = dana.me()
            print(f"Logged in as {me!r}")

            # 3. Post, reference another user, and mention them.
            hello = bob.microposts.create("Hello, microblog!")
            ping = dana.microposts.create(f"Welcome aboard @{bob_name}", referenced=bob_name)
            print(f"{ping!r} references {ping.referenced}, mentions", *ping.mentions)

            # 4. Follow, then read the timeline (followed users, references and mentions).
            dana.users.get(bob_name).follow()
            print(f"{dana_name}'s timeline:")
            for post in dana.timeline(limit=5):
                print(f"  {post.user}: {post.text}")

            # 5. Search.
            found = list(dana.microposts.search("microblog"))
            print(f"Search for 'microblog' found {len(found)} micropost(s)")

            # 6. Batch create, then page through a long collection lazily.
            dana.microposts.create_many([f"Note number {n}" for n in range(45)])
            pages = list(dana.microposts.list(author=dana_name, size=10).pages())
            print(
                f"{dana_name} has {sum(len(p.items) for p in pages)} microposts "
                f"in {len(pages)} pages of 10"
            )

            # 7. Edit with save(): only the changed field is sent, with If-Match.
            ping.text = f"Welcome aboard, @{bob_name}!"
            ping.save()
            print(f"Edited: {ping.text!r}")

            # 8. A concurrent edit: the stale copy's save() is refused.
            stale = dana.microposts.get(ping.id)
            ping.text = "Edited in another window"
            ping.save()
            stale.text = "Edited in a stale window"
            try:
                stale.save()
            except microblog.PreconditionFailedError as error:
                print(f"Stale save refused: {error}")
                stale.refresh()
                print(f"After refresh() the text is {stale.text!r}")

            # 9. Errors are typed: a missing micropost, invalid input.
            try:
                dana.microposts.get(10**9)
            except microblog.NotFoundError as error:
                print(f"Not found: {error}")
            try:
                dana.microposts.create("x" * 256)
            except microblog.ValidationError as error:
                print(f"Invalid: {error.errors}")

            # 10. Delete.
            hello_copy = bob.microposts.get(hello.id)
            hello_copy.delete()
            print(f"Deleted micropost {hello.id}")
    print("Tour finished.")


if __name__ == "__main__":
    main()
