"""openapi-python-client builds a working client from the document, as is (real HTTP).

Issue 19: the generated login module failed to import (``NameError: Unset``: the token
operation declared two request content types) and the modules carried FastAPI's
generated operation ids (``issue_token_api_v1_token_post``). Here a client is generated
into a temporary directory with no warning, imported, and used against a local service
to log in, post and list.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from microblog.testing import LocalServer

from .openapi_document import write_document

if TYPE_CHECKING:
    from collections.abc import Iterator

PACKAGE = "microblog_openapi_client"


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Generate the client package from the document and import it."""
    pytest.importorskip(
        "openapi_python_client", reason="the dev extra brings openapi-python-client"
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n", encoding="utf-8")
    tool = str(Path(sys.executable).parent / "openapi-python-client")
    source = ["--path", str(write_document(tmp_path)), "--config", str(config)]
    target = ["--meta", "none", "--output-path", str(tmp_path / PACKAGE)]
    run = subprocess.run(
        [tool, "generate", *source, *target],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_generated_client_logs_in_posts_and_lists(generated: Any) -> None:
    token_api = importlib.import_module(f"{PACKAGE}.api.auth.create_token")
    create = importlib.import_module(f"{PACKAGE}.api.microposts.create_micropost")
    listing = importlib.import_module(f"{PACKAGE}.api.microposts.list_user_microposts")
    models = importlib.import_module(f"{PACKAGE}.models")

    with LocalServer() as server:
        name, password = server.create_user("generated")
        with generated.Client(base_url=server.url) as anonymous:
            issued = token_api.sync(
                client=anonymous, body=models.TokenIn(username=name, password=password)
            )
        assert isinstance(issued, models.TokenOut), issued
        with generated.AuthenticatedClient(base_url=server.url, token=issued.access_token) as me:
            posted = create.sync(name, client=me, body=models.MicropostIn(text="generated hello"))
            page = listing.sync(name, client=me, size=10)

    assert isinstance(posted, models.MicropostOut), posted
    assert isinstance(page, models.MicropostPage), page
    assert [post.text for post in page.result] == ["generated hello"]
