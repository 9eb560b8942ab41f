"""The health endpoint when the database or the broker is unreachable: 503 with the failing
check named, an answer all the same, and nothing in it about people or the servers."""

import socket

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from programme import health

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(transactional_db):
    """The default database at a closed port of this machine, as when PostgreSQL is
    unreachable; the real server is left alone and the connection restored afterwards."""
    connection = connections["default"]
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=closed_port())
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


def get_health():
    return Client().get(reverse("programme:health"))


def test_an_unreachable_database_is_unhealthy_and_the_answer_still_comes(database_down):
    response = get_health()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["beat"]["ok"] is False
    assert body["checks"]["broker"]["ok"] is True


def test_an_unreachable_database_is_reported_without_server_details(database_down):
    body = get_health().content.decode()
    settings_dict = connections["default"].settings_dict
    for detail in ("127.0.0.1", str(settings_dict["PORT"]), settings_dict["NAME"], "postgres", "@"):
        assert detail not in body


def test_an_unreachable_broker_is_reported_without_its_address(broker_down, sme_member):
    health.beat_heartbeat()
    response = get_health()
    assert response.status_code == 503
    body = response.content.decode()
    assert response.json()["checks"]["broker"]["ok"] is False
    assert "redis://" not in body
    assert "127.0.0.1" not in body
    assert sme_member.email not in body
