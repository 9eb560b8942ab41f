"""Reads of the dashboard and the public statistics from the replica (programme.replicas).

The test settings give the "replica" alias as a mirror of the test database, a second
connection to it, with the router off as when DATABASE_REPLICA_URL is unset; these tests turn
the router on. Where a page must find its data through the replica's connection, the test is
transactional: a second connection sees nothing of a transaction left open.
tests/deploy/test_replica_streaming.py does the same against a real streaming replica."""

from __future__ import annotations

import re
import runpy
import socket

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programme.models import Programme, Session, User
from programme.replicas import ReplicaRouter, reading_from_replica, reads_from_replica, replica_reads
from smes.models import Application, ApplicationStatus
from tests.conftest import sign_in
from tests.factories import ApplicationFactory, ProgrammeFactory, StaffFactory

ROUTED = override_settings(DATABASE_ROUTERS=["programme.replicas.ReplicaRouter"])
# Transactional where the page must find its data through the replica's connection.
COMMITTED = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
BOTH = pytest.mark.django_db(databases=["default", "replica"])

# On a session's first page (the programme is read on the primary then, for its idle
# time): the audit trail's count (the figures' mark), the dashboard's 13 aggregates, the
# navigation's unread count.
DASHBOARD_ON_REPLICA = 15
# Once the figures are kept: the programme, the mark, the unread count.
DASHBOARD_KEPT_ON_REPLICA = 3
# The session, the user, the user's roles (checked by the page's access rule), the
# figures kept in the cache (which stays on the primary, as the sign-in's records do).
DASHBOARD_ON_PRIMARY = 4
# The programme once, four headline figures, one query per breakdown (see test_statistics).
STATISTICS_ON_REPLICA = 7
PRIMARY_TABLES = {"programme_session", "programme_user", "auth_group", "programme_user_groups"}


def tables(queries: list[dict]) -> set[str]:
    return {
        table for query in queries for table in re.findall(r'(?:FROM|JOIN|UPDATE|INTO) "(\w+)"', query["sql"])
    }


def writes(queries: list[dict]) -> list[str]:
    return [query["sql"] for query in queries if re.match(r"(INSERT|UPDATE|DELETE)\b", query["sql"])]


@pytest.fixture
def enrolled():
    programme = ProgrammeFactory()
    ApplicationFactory.create_batch(2, programme=programme, status=ApplicationStatus.ENROLLED)
    return programme


@COMMITTED
@ROUTED
def test_the_dashboard_and_the_statistics_read_from_the_replica_and_who_is_asking_from_the_primary(enrolled):
    client = sign_in(Client(), StaffFactory(language="en"))
    with (
        CaptureQueriesContext(connections["default"]) as first_primary,
        CaptureQueriesContext(connections["replica"]) as first_replica,
    ):
        first = client.get(reverse("home:staff"))
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(reverse("home:staff"))

    assert first.status_code == response.status_code == 200
    assert response.context["board"]["figures"]["smes_enrolled"] == 2
    assert len(first_replica.captured_queries) == DASHBOARD_ON_REPLICA
    assert {"smes_application", "assessments_assessment", "projects_project"} <= tables(
        first_replica.captured_queries
    )
    assert len(replica.captured_queries) == DASHBOARD_KEPT_ON_REPLICA
    assert len(primary.captured_queries) == DASHBOARD_ON_PRIMARY
    assert tables(primary.captured_queries) == PRIMARY_TABLES | {"portal_cache"}
    # The session's first page writes its last-seen time, and the figures go to the cache:
    # on the primary, never the replica.
    assert writes(first_primary.captured_queries)
    assert tables(first_primary.captured_queries) <= PRIMARY_TABLES | {"programme_programme", "portal_cache"}
    assert not writes(first_replica.captured_queries) and not writes(replica.captured_queries)
    assert not reading_from_replica()

    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = Client().get(reverse("home:statistics"))
    assert response.status_code == 200
    assert next(figure.value for figure in response.context["figures"] if figure.key == "smes_enrolled") == 2
    assert len(replica.captured_queries) == STATISTICS_ON_REPLICA
    assert primary.captured_queries == []


@BOTH
@ROUTED
def test_a_post_to_a_marked_page_reads_from_the_primary(enrolled):
    with CaptureQueriesContext(connections["replica"]) as replica:
        Client().post(reverse("home:statistics"))
    assert replica.captured_queries == []


@BOTH
@ROUTED
def test_pages_not_marked_read_from_the_primary(enrolled):
    with CaptureQueriesContext(connections["replica"]) as replica:
        response = Client().get(reverse("home:landing"))
    assert response.status_code == 200
    assert replica.captured_queries == []


@BOTH
@ROUTED
def test_writes_and_locking_reads_go_to_the_primary_inside_a_marked_page(enrolled):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        replica_reads(),
    ):
        Application.objects.count()
        made = ApplicationFactory(programme=enrolled, status=ApplicationStatus.SUBMITTED)
        Application.objects.filter(pk=made.pk).update(status=ApplicationStatus.WITHDRAWN)
        with transaction.atomic():
            locked = Programme.objects.select_for_update().get(pk=enrolled.pk)
        Programme.objects.get_or_create(slug=locked.slug)
        User.objects.exists()
    assert [query["sql"] for query in replica.captured_queries] == [
        'SELECT COUNT(*) AS "__count" FROM "smes_application"'
    ]
    assert writes(primary.captured_queries)
    assert any("FOR UPDATE" in query["sql"] for query in primary.captured_queries)
    assert "programme_user" in tables(primary.captured_queries)


@pytest.fixture
def replica_down():
    """The replica's connection at a closed port of this machine, as when the replica is down:
    a fresh connection object, since the test's own is held in the test's transaction."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    held = connections["replica"]
    down = type(held)({**held.settings_dict, "HOST": "127.0.0.1", "PORT": closed_port}, alias="replica")
    connections["replica"] = down
    yield
    down.close()
    connections["replica"] = held


@BOTH
@ROUTED
def test_a_replica_that_is_down_leaves_its_pages_to_the_primary(enrolled, replica_down, caplog):
    with CaptureQueriesContext(connections["default"]) as primary:
        response = Client().get(reverse("home:statistics"))
    assert response.status_code == 200
    assert next(figure.value for figure in response.context["figures"] if figure.key == "smes_enrolled") == 2
    assert len(primary.captured_queries) == STATISTICS_ON_REPLICA
    [warning] = [record for record in caplog.records if record.name == "programme.replicas"]
    assert (
        warning.getMessage()
        == "read replica unreachable (OperationalError): /statistiche/ read from the primary"
    )


def test_the_router_sends_reads_to_the_replica_only_when_asked():
    routing = ReplicaRouter()
    assert routing.db_for_read(Application) is None
    with replica_reads():
        assert routing.db_for_read(Application) == "replica"
        assert routing.db_for_read(Programme) == "replica"
        assert routing.db_for_read(User) == "default"
        # Who is signed in is read where the session was last written.
        assert routing.db_for_read(Session) == "default"
        for model in (Application, Programme, User, Session):
            assert routing.db_for_write(model) == "default"
    assert routing.db_for_read(Application) is None
    assert routing.allow_migrate("replica", "smes") is False
    assert routing.allow_migrate("default", "smes") is True


@BOTH
@ROUTED
def test_the_flag_is_lowered_when_the_page_fails():
    @reads_from_replica
    def failing(request):
        assert reading_from_replica()
        raise ValueError("the page failed")

    with pytest.raises(ValueError, match="the page failed"):
        failing(RequestFactory().get("/statistiche/"))
    assert not reading_from_replica()


def test_without_a_replica_nothing_is_routed():
    assert router.db_for_read(Application) == "default"
    with replica_reads():
        assert router.db_for_read(Application) == "default"


@pytest.mark.parametrize(
    ("replica_url", "databases", "routers"),
    [
        (None, ["default"], []),
        ("", ["default"], []),
        (
            "postgres://portal:secret@replica-host:5433/portal",
            ["default", "replica"],
            ["programme.replicas.ReplicaRouter"],
        ),
    ],
)
def test_the_replica_comes_from_database_replica_url(monkeypatch, replica_url, databases, routers):
    if replica_url is None:
        monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_REPLICA_URL", replica_url)
    production = runpy.run_path(str(settings.BASE_DIR / "programme" / "settings.py"))
    assert sorted(production["DATABASES"]) == databases
    assert production["DATABASE_ROUTERS"] == routers
    if replica_url:
        replica = production["DATABASES"]["replica"]
        assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("replica-host", 5433, "portal")
        assert replica["TEST"] == {"MIRROR": "default"}
        assert replica["OPTIONS"]["connect_timeout"] == 3
