"""No crafted input answers 500: every URL pattern of the resolver gets crafted values for its
path parameters, and every page without parameters gets crafted values for its query parameters
(the keyset cursor ``after`` and the fields of its GET forms), as an anonymous caller, a provider's
account manager and a payer analyst.

The run is bounded and derandomized (the same examples on every run, so CI is stable and the
number of requests is known); the summary line at the end of the run gives that number.
"""

import base64
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory
from conftest import verified_login
from tests.fuzz.stats import STATS

pytestmark = pytest.mark.django_db


def bounded(template: str):
    """Four examples per pattern of the portal, one per pattern of Django's admin (generic views)."""
    return settings(
        max_examples=1 if template.startswith("admin/") else 4,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- crafted values ---------------------------------------------------------------------------

SPECIAL_TEXT = [
    "\x00",
    "C2026000100\x00",
    "\x00\x01\x1b[31m\x7f",
    "line\r\nbreak",
    "x" * 5000,
    "9" * 400,
    "-1",
    "..",
    "%00",
    "\u202e\u200b\ufeff",
    "\U0001f600" * 10,
    "null",
    "' OR 1=1--",
    "00000000-0000-0000-0000-000000000000",
]
# Sent into every path parameter of the portal before the random examples.
SPECIAL_PATH_TEXT = ["C2026000100\x00", "\x00", "x" * 5000, "\u202e\U0001f600"]
crafted_text = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    crafted_text,
    st.sampled_from(["0001-01-01", "0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]),
)
tagged = st.builds(
    lambda tag, value: {tag: value},
    st.sampled_from(["dt", "d", "dec", "u", "x"]),
    st.one_of(json_scalars, st.sampled_from(["NaN", "Infinity", "-1e999999", "1e400", "0001-01-01T00:00:00"])),
)
json_values = st.recursive(
    st.one_of(json_scalars, tagged),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=8,
)
# Sent to every list page before the random examples: the cursors seen to break a list.
SPECIAL_CURSORS = [
    _b64(b"[" * 5_000 + b"]" * 5_000),
    _b64(b'[{"dt":"0001-01-01T00:00:00+14:00"},1]'),
    _b64(b'[{"dt":"9999-12-31T23:59:59-12:00"},{"dt":"9999-12-31T23:59:59-12:00"},1]'),
    _b64(b'[{"d":"0001-01-01"},{"dt":"0001-01-01T00:00:00"},1]'),
    _b64(b"[Infinity,NaN,-Infinity]"),
    _b64(b'["\\u0000",{"u":"\\u0000"},1]'),
    _b64(b"[1e999,99999999999999999999999999,-99999999999999999999]"),
    _b64(b'[[1],{"a":1},{"dec":"NaN"}]'),
    "A" * 5_000,
    "WzEs\x00MiwzXQ",
]
crafted_cursor = st.one_of(
    json_values.map(lambda value: _b64(json.dumps(value, allow_nan=True).encode())),
    st.lists(st.one_of(json_scalars, tagged), min_size=2, max_size=3).map(
        lambda values: _b64(json.dumps(values, allow_nan=True).encode())
    ),
    crafted_text,
)

# --- the URL map ------------------------------------------------------------------------------

GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _template(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _template(entry.pattern), entry.name or ""


def _template(pattern) -> str:
    """The pattern as a path with ``{name:converter}`` holes."""
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAM.sub(lambda m: f"{{{m.group(2)}:{m.group(1) or 'str'}}}", str(pattern._route))
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex.lstrip("^").rstrip("$").replace("\\Z", "")
        return GROUP.sub(lambda m: f"{{{m.group(1)}:str}}", regex).replace("\\", "")
    raise AssertionError(f"unknown pattern {pattern!r}")


ALL_PATTERNS = sorted(set(_walk(get_resolver().url_patterns)))
HOLE = re.compile(r"\{(\w+):(\w+)\}")
WITH_PARAMS = [(template, name) for template, name in ALL_PATTERNS if HOLE.search(template)]
WITHOUT_PARAMS = [(template, name) for template, name in ALL_PATTERNS if not HOLE.search(template)]


def _value_for(converter: str):
    if converter == "uuid":
        return st.one_of(st.uuids().map(str), crafted_text)
    if converter == "int":
        return st.one_of(st.integers(min_value=0, max_value=10**30).map(str), crafted_text)
    return crafted_text


# --- requests ---------------------------------------------------------------------------------


@pytest.fixture
def callers(request, manager, payer_staff):
    """Who sends the requests: for the portal's pages an anonymous client, a provider's account
    manager and a payer analyst (both signed in with MFA); for Django's admin, which sends
    everyone else away, its administrator."""
    if request.node.callspec.params["template"].startswith("admin/"):
        administrator = UserFactory(email="root@example.test", kind="payer_staff", is_staff=True, is_superuser=True)
        return {"administrator": verified_login(Client(raise_request_exception=False), administrator)}
    clients = {"anonymous": Client(raise_request_exception=False)}
    for label, user in (("manager", manager), ("payer_staff", payer_staff)):
        clients[label] = verified_login(Client(raise_request_exception=False), user)
    return clients


def _send(client, method, path, data=None):
    response = getattr(client, method)(path, data or {})
    STATS["requests"] += 1
    if response.status_code >= 500:
        STATS["server_errors"] += 1
    return response


# POST-only pages would log the persona out or change what the next examples see.
NO_POST = {"logout"}
FORM_FIELDS = ("q", "token", "next", "comment", "organization", "tin", "value", "kind", "status", "confirmed")


@pytest.mark.parametrize("template,name", WITH_PARAMS, ids=[t for t, _ in WITH_PARAMS])
def test_crafted_path_parameters_never_answer_500(callers, template, name):
    holes = HOLE.findall(template)
    portal_page = not template.startswith("admin/")
    if portal_page:
        for text in SPECIAL_PATH_TEXT:
            path = "/" + HOLE.sub(quote(text, safe=""), template)
            for label, client in callers.items():
                response = _send(client, "get", path)
                assert response.status_code < 500, f"GET {path!r} as {label}: {response.status_code}"

    @bounded(template)
    @given(
        values=st.fixed_dictionaries({hole: _value_for(converter) for hole, converter in holes}),
        form=st.dictionaries(st.sampled_from(FORM_FIELDS), crafted_text, max_size=3),
    )
    def check(values, form):
        path = "/" + HOLE.sub(lambda m: quote(values[m.group(1)], safe=""), template)
        for label, client in callers.items():
            response = _send(client, "get", path)
            assert response.status_code < 500, f"GET {path!r} as {label}: {response.status_code}"
            if portal_page and name not in NO_POST:
                response = _send(client, "post", path, form)
                assert response.status_code < 500, f"POST {path!r} {form!r} as {label}: {response.status_code}"

    check()


class _GetFormFields(HTMLParser):
    """The names of the fields of a page's GET forms (its filters)."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif self._in_get_form and tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _query_names(client, path) -> list[str]:
    response = client.get(path)
    parser = _GetFormFields()
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        parser.feed(response.content.decode())
    return sorted(parser.names | {"after"})


@pytest.mark.parametrize("template,name", WITHOUT_PARAMS, ids=[t or "/" for t, _ in WITHOUT_PARAMS])
def test_crafted_query_parameters_never_answer_500(callers, template, name):
    path = "/" + template.replace("\\.", ".")
    names = {label: _query_names(client, path) for label, client in callers.items()}
    if not template.startswith("admin/"):
        for after in SPECIAL_CURSORS:
            for label, client in callers.items():
                if label == "anonymous":  # sent to the login page before any list is read
                    continue
                response = _send(client, "get", path, {"after": after})
                assert response.status_code < 500, f"GET {path!r} after={after[:60]!r} as {label}"

    @bounded(template)
    @given(after=crafted_cursor, filters=st.data())
    def check(after, filters):
        for label, client in callers.items():
            query = filters.draw(
                st.dictionaries(st.sampled_from(names[label]), crafted_text, max_size=len(names[label])), label=label
            )
            query["after"] = after
            response = _send(client, "get", path, query)
            assert response.status_code < 500, f"GET {path!r} {query!r} as {label}: {response.status_code}"

    check()
