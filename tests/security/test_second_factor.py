"""Staff and administrators reach none of their pages without the second factor: for every
page of the matrix that their signed-in session reaches, a session that gave the password but
not the authenticator code, and one signed in without it at all, are sent to sign in, and
nothing stored changes."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from programme.models import Session
from tests.security.matrix import MATRIX
from tests.security.scenario import PERSONAS, changed_tables, fingerprint
from tests.security.test_access_matrix import assert_answer, url_of

pytestmark = pytest.mark.django_db

REACHED = {"200", "302", "400", "405"}
# The authenticator-code step of signing in is where a password-only session is meant to go.
SIGN_IN_STEP = {"mfa_authenticate"}


def pages_reached_by(persona: str) -> list[tuple[str, str]]:
    """(URL name, method) of the matrix's cells where the persona is let through and an
    anonymous visitor is sent to sign in: the persona's own pages."""
    column = PERSONAS.index(persona)
    return [
        (name, method)
        for name, row in MATRIX.items()
        if name not in SIGN_IN_STEP
        for method in ("GET", "POST")
        if row.answers(method)[column] in REACHED and row.answers(method)[0] == "L"
    ]


CELLS = [
    pytest.param(name, persona, method, way, id=f"{name}-{persona}-{method}-{way}")
    for persona in ("staff", "administrator")
    for name, method in pages_reached_by(persona)
    for way in ("password_only", "without_second_factor")
]


def test_staff_and_administrators_have_pages_of_their_own_in_the_matrix():
    assert len(pages_reached_by("staff")) > 40
    assert len(pages_reached_by("administrator")) > 10


@pytest.mark.parametrize(("name", "persona", "method", "way"), CELLS)
def test_no_page_without_the_second_factor(world, name, persona, method, way):
    row = MATRIX[name]
    client = world.client(f"{persona}_{way}")
    before = world.baseline
    url = url_of(name, world.objects)
    response = client.get(url) if method == "GET" else client.post(url, row.payload(world.objects))
    assert_answer(response, "L")
    assert changed_tables(before, fingerprint()) == []
    # The half-signed-in session holds no signed-in person afterwards.
    session = Session.objects.filter(session_key=world.sessions[f"{persona}_{way}"]).first()
    assert session is None or SESSION_KEY not in session.get_decoded()
