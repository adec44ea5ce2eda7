"""Write the intersphinx inventories the docs build reads instead of fetching them.

The build machine and CI have no internet, so ``docs/conf.py`` points intersphinx at the
``python.inv`` and ``requests.inv`` files next to this script. They hold only the objects
our pages and docstrings refer to, with URLs into the real online documentation. Run this
script again (``python docs/_inventories/build_inventories.py``) after adding a name below.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, domain:role, relative URI; "$" stands for the name, as in Sphinx's own format)
PYTHON: list[tuple[str, str, str]] = [
    # built-in exceptions and warnings
    *(
        (name, "py:exception", "library/exceptions.html#$")
        for name in (
            "BaseException",
            "Exception",
            "ValueError",
            "TypeError",
            "AttributeError",
            "KeyError",
            "LookupError",
            "RuntimeError",
            "OSError",
            "ConnectionError",
            "TimeoutError",
            "PermissionError",
            "NotImplementedError",
            "StopIteration",
            "Warning",
            "DeprecationWarning",
            "FutureWarning",
        )
    ),
    # built-in types and constants
    *(
        (name, "py:class", "library/stdtypes.html#$")
        for name in ("str", "int", "float", "bool", "bytes", "dict", "list", "tuple", "set")
    ),
    ("object", "py:class", "library/functions.html#$"),
    ("type", "py:class", "library/functions.html#$"),
    ("None", "py:data", "library/constants.html#$"),
    ("True", "py:data", "library/constants.html#$"),
    ("False", "py:data", "library/constants.html#$"),
    ("repr", "py:function", "library/functions.html#$"),
    ("iter", "py:function", "library/functions.html#$"),
    # logging
    ("logging", "py:module", "library/logging.html#module-logging"),
    ("logging.Logger", "py:class", "library/logging.html#$"),
    ("logging.Handler", "py:class", "library/logging.html#$"),
    ("logging.NullHandler", "py:class", "library/logging.handlers.html#$"),
    ("logging.getLogger", "py:function", "library/logging.html#$"),
    ("logging.basicConfig", "py:function", "library/logging.html#$"),
    # datetime, time
    ("datetime.datetime", "py:class", "library/datetime.html#$"),
    ("datetime.timedelta", "py:class", "library/datetime.html#$"),
    ("datetime.timezone", "py:class", "library/datetime.html#$"),
    ("time.monotonic", "py:function", "library/time.html#$"),
    ("time.sleep", "py:function", "library/time.html#$"),
    # collections.abc
    *(
        (f"collections.abc.{name}", "py:class", "library/collections.abc.html#$")
        for name in (
            "Iterator",
            "Iterable",
            "Generator",
            "Mapping",
            "MutableMapping",
            "Sequence",
            "Callable",
        )
    ),
    # typing
    ("typing", "py:module", "library/typing.html#module-typing"),
    *(
        (f"typing.{name}", "py:data", "library/typing.html#$")
        for name in (
            "Any",
            "Self",
            "Optional",
            "Union",
            "Literal",
            "ClassVar",
            "Final",
            "Callable",
            "Iterator",
            "Iterable",
            "Mapping",
            "Sequence",
        )
    ),
    *(
        (f"typing.{name}", "py:class", "library/typing.html#$")
        for name in ("Generic", "TypeVar", "ParamSpec", "Protocol", "NamedTuple", "TypedDict")
    ),
    ("typing.overload", "py:function", "library/typing.html#$"),
    ("typing.TYPE_CHECKING", "py:data", "library/typing.html#$"),
    # threading, concurrency
    ("threading.Lock", "py:function", "library/threading.html#$"),
    ("threading.RLock", "py:function", "library/threading.html#$"),
    ("threading.Thread", "py:class", "library/threading.html#$"),
    (
        "concurrent.futures.ThreadPoolExecutor",
        "py:class",
        "library/concurrent.futures.html#$",
    ),
    # misc std-lib names our docs mention
    ("warnings.warn", "py:function", "library/warnings.html#$"),
    ("dataclasses.dataclass", "py:function", "library/dataclasses.html#$"),
    ("dataclasses.field", "py:function", "library/dataclasses.html#$"),
    ("dataclasses.replace", "py:function", "library/dataclasses.html#$"),
    ("os.environ", "py:data", "library/os.html#$"),
    ("types.TracebackType", "py:class", "library/types.html#$"),
    ("json.JSONDecodeError", "py:exception", "library/json.html#$"),
    ("uuid.UUID", "py:class", "library/uuid.html#$"),
    ("http.HTTPStatus", "py:class", "library/http.html#$"),
    ("email.utils.parsedate_to_datetime", "py:function", "library/email.utils.html#$"),
    ("unittest.mock", "py:module", "library/unittest.mock.html#module-unittest.mock"),
]

REQUESTS: list[tuple[str, str, str]] = [
    ("requests", "py:module", "api/#module-requests"),
    ("requests.Session", "py:class", "api/#$"),
    ("requests.Session.mount", "py:method", "api/#$"),
    ("requests.Session.request", "py:method", "api/#$"),
    ("requests.Session.close", "py:method", "api/#$"),
    ("requests.Session.headers", "py:attribute", "api/#$"),
    ("requests.Session.proxies", "py:attribute", "api/#$"),
    ("requests.Session.verify", "py:attribute", "api/#$"),
    ("requests.Session.cert", "py:attribute", "api/#$"),
    ("requests.Session.hooks", "py:attribute", "api/#$"),
    ("requests.Request", "py:class", "api/#$"),
    ("requests.PreparedRequest", "py:class", "api/#$"),
    ("requests.Response", "py:class", "api/#$"),
    ("requests.Response.json", "py:method", "api/#$"),
    ("requests.Response.status_code", "py:attribute", "api/#$"),
    ("requests.Response.headers", "py:attribute", "api/#$"),
    ("requests.Response.request", "py:attribute", "api/#$"),
    ("requests.auth.AuthBase", "py:class", "api/#$"),
    ("requests.auth.HTTPBasicAuth", "py:class", "api/#$"),
    ("requests.adapters.BaseAdapter", "py:class", "api/#$"),
    ("requests.adapters.HTTPAdapter", "py:class", "api/#$"),
    ("requests.RequestException", "py:exception", "api/#$"),
    ("requests.ConnectionError", "py:exception", "api/#$"),
    ("requests.Timeout", "py:exception", "api/#$"),
    ("requests.ConnectTimeout", "py:exception", "api/#$"),
    ("requests.ReadTimeout", "py:exception", "api/#$"),
    ("requests.HTTPError", "py:exception", "api/#$"),
]


def inventory_bytes(project: str, version: str, objects: list[tuple[str, str, str]]) -> bytes:
    """Return an ``objects.inv`` (format version 2) holding ``objects``.

    Args:
        project: The documented project's name, as its own inventory states it.
        version: The documented version.
        objects: ``(name, "domain:role", uri)`` rows; ``$`` in a URI stands for the name.

    Returns:
        The file's bytes: four plain header lines, then the zlib-compressed object lines.
    """
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    lines = "".join(
        f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(set(objects))
    ).encode()
    return header + zlib.compress(lines, 9)


def main() -> None:
    """Write ``python.inv`` and ``requests.inv`` next to this script."""
    (HERE / "python.inv").write_bytes(inventory_bytes("Python", "3.11", PYTHON))
    (HERE / "requests.inv").write_bytes(inventory_bytes("Requests", "2.32", REQUESTS))


if __name__ == "__main__":
    main()
