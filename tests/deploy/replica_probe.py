"""The portal's side of the streaming-replica test, in a process of its own started with the
production settings and DATABASE_URL / DATABASE_REPLICA_URL naming the pair's two servers:

    python -m tests.deploy.replica_probe PRIMARY_PORT REPLICA_PORT

With the replica's replay paused, an SME enrolled on the primary is missing from the staff
dashboard and the public statistics, while a staff member who signed in after the pause still
reaches the dashboard (sessions and accounts are read from the primary); once replay resumes the
figure appears. Markers in both servers' statement logs delimit each page's requests. The last
line of standard output is the answer, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(primary_port: int, replica_port: int) -> dict:
    import django

    django.setup()
    import datetime

    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse
    from django.utils import translation

    from programme import audit
    from programme import figures as kept_figures
    from programme.home import queries as home_queries
    from smes.models import ApplicationStatus
    from tests.conftest import sign_in
    from tests.deploy.replica_cluster import HOST, Server, wait_until
    from tests.factories import ApplicationFactory, ProgrammeFactory, StaffFactory

    # Keeps each response's template context, to read the figures as the page got them.
    setup_test_environment()
    # The sign-in is not what is tested here: the test suite's fast hasher spares a second.
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    translation.activate("en")
    # No worker here, and no time to wait for one: after a change the dashboard's second
    # request computes the figures itself (the first shows those of before the change).
    kept_figures.REFRESH_GRACE = datetime.timedelta(0)
    home_queries.ask_dashboard_refresh = lambda *args: False
    primary = Server("primary", Path(), primary_port, Path())
    replica = Server("replica", Path(), replica_port, Path())

    def mark(text: str) -> None:
        for server in (primary, replica):
            server.query(f"SELECT 'replica-probe {text}'", database="portal")

    def replayed() -> None:
        target = primary.query("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        wait_until(
            "the replica catching up",
            lambda: replica.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0],
        )

    def figures() -> dict:
        staff_client.get(reverse("home:staff"))
        staff_page = staff_client.get(reverse("home:staff"))
        public_page = Client().get(reverse("home:statistics"))
        assert staff_page.status_code == 200, (staff_page.status_code, staff_page.get("Location"))
        assert public_page.status_code == 200, public_page.status_code
        return {
            "dashboard": staff_page.context["board"]["figures"]["smes_enrolled"],
            "statistics": next(f.value for f in public_page.context["figures"] if f.key == "smes_enrolled"),
        }

    answer = {"databases": sorted(settings.DATABASES), "routers": settings.DATABASE_ROUTERS, "host": HOST}
    programme = ProgrammeFactory()
    ApplicationFactory(programme=programme, status=ApplicationStatus.ENROLLED)
    replayed()

    replica.query("SELECT pg_wal_replay_pause()")
    # Recovery checks for a pause before each record it applies, so once the pause is requested
    # nothing written after it is replayed ('paused' itself comes only with the next record).
    wait_until(
        "replay pause requested",
        lambda: replica.query("SELECT pg_get_wal_replay_pause_state() <> 'not paused'")[0][0],
    )
    # All of this exists on the primary only: the staff member, their session, a second SME.
    staff_client = sign_in(Client(), StaffFactory(language="en"))
    second = ApplicationFactory(programme=programme, status=ApplicationStatus.ENROLLED)
    # As the enrolment service would, with its audit entry: the dashboard's figures are
    # computed again once the replica holds it.
    audit.record(obj=second, actor=None, action="enrolled", to_status=second.status, programme=programme)
    mark("paused begins")
    answer["paused"] = figures()
    mark("paused ends")

    replica.query("SELECT pg_wal_replay_resume()")
    replayed()
    mark("resumed begins")
    answer["resumed"] = figures()
    mark("resumed ends")
    return answer


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
