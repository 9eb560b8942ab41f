"""Every page of the portal against every persona, for GET and POST, on real objects: the
answers are the hand-written table of tests/security/matrix.py. A refused request changes
nothing stored, and every answer carries the Content Security Policy."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix import GROUPED_PREFIXES, MATRIX
from tests.security.scenario import PERSONAS, changed_tables, fingerprint

pytestmark = pytest.mark.django_db

REFUSALS = {"L", "403", "404", "405"}
LOGIN_PATH = "/accounts/login/"


def portal_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(name, route) of every URL pattern, walking the included configurations."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from portal_patterns(pattern, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else None), route


def matrix_patterns() -> dict[str, str]:
    return {name: route for name, route in portal_patterns() if not route.startswith(GROUPED_PREFIXES)}


def test_every_page_of_the_portal_has_a_row_in_the_matrix():
    patterns = list(portal_patterns())
    unnamed = [route for name, route in patterns if name is None and not route.startswith(GROUPED_PREFIXES)]
    assert unnamed == [], "a page without a name cannot be put in the matrix"
    missing = sorted(set(matrix_patterns()) - set(MATRIX))
    assert missing == [], f"pages missing from tests/security/matrix.py: {missing}"


def test_every_row_of_the_matrix_is_a_page_of_the_portal():
    assert sorted(set(MATRIX) - set(matrix_patterns())) == []


def test_the_grouped_patterns_are_only_the_admin():
    grouped = {
        route.split("/")[0] + "/" for name, route in portal_patterns() if route.startswith(GROUPED_PREFIXES)
    }
    assert grouped == set(GROUPED_PREFIXES)


CELLS = [
    pytest.param(name, persona, method, id=f"{name}-{persona}-{method}")
    for name in MATRIX
    for persona in PERSONAS
    for method in ("GET", "POST")
]


def url_of(name: str, objects: dict) -> str:
    row = MATRIX[name]
    return reverse(name, kwargs={key: value(objects) for key, value in row.kwargs.items()})


def assert_answer(response, expected: str) -> None:
    where = response.get("Location", "")
    if expected in ("L", "S"):
        assert response.status_code == 302 and where.startswith(LOGIN_PATH), (response.status_code, where)
    elif expected == "302":
        assert response.status_code == 302 and not where.startswith(LOGIN_PATH), (response.status_code, where)
    else:
        assert response.status_code == int(expected), (response.status_code, where)


SCRIPT_TAG = re.compile(rb"<script\b[^>]*>", re.IGNORECASE)
# A JSON data block (json_script) is never executed, so the policy has nothing to say about it.
DATA_BLOCK = b'type="application/json"'


def assert_content_security_policy(response) -> None:
    """The policy is on every answer; every script of an HTML page carries the answer's nonce."""
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    script_sources = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_sources and "'unsafe-eval'" not in script_sources
    if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
        return
    scripts = [tag for tag in SCRIPT_TAG.findall(response.content) if DATA_BLOCK not in tag]
    if scripts:
        [nonce] = [source[len("'nonce-") : -1] for source in script_sources if source.startswith("'nonce-")]
        for tag in scripts:
            assert f'nonce="{nonce}"'.encode() in tag, tag


@pytest.mark.parametrize(("name", "persona", "method"), CELLS)
def test_access(world, name, persona, method, caplog):
    row = MATRIX[name]
    expected = row.answers(method)[PERSONAS.index(persona)]
    url = url_of(name, world.objects)
    client = world.client(persona)
    before = world.baseline
    response = client.get(url) if method == "GET" else client.post(url, row.payload(world.objects))
    assert_answer(response, expected)
    assert_content_security_policy(response)
    if expected in REFUSALS:
        assert changed_tables(before, fingerprint()) == []
    # Every 403 and 404 answer is in the security log, with the person who asked.
    refusals = [
        record.getMessage()
        for record in caplog.records
        if record.name == "portal.security" and record.getMessage().startswith("event=access_refused")
    ]
    if expected in ("403", "404"):
        who = world.users[persona].pk if persona in world.users else "anonymous"
        assert refusals == [
            f"event=access_refused status={expected} user={who} method={method} path='{url}' address=127.0.0.1"
        ]
    else:
        assert refusals == []
