"""The staff dashboard and the public statistics served from a real streaming replica.

A primary and its hot standby (pg_basebackup -R) run on free loopback ports in a temporary
folder, with the portal's schema taken from the test database; the portal runs in a process of
its own with DATABASE_URL and DATABASE_REPLICA_URL pointing at them (tests/deploy/replica_probe.py).
Both servers log every statement, so the test reads which one answered each page's queries."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

from tests.deploy.replica_cluster import ReplicaPair, server_programs

PROGRAMS = server_programs()
# The tables the two pages aggregate: never read from the primary when a replica serves them.
PAGE_TABLES = ("smes_application", "managers_manager", "assessments_assessment", "projects_project")
# What the primary answers while a replica serves the pages: who is asking, their roles and
# session, and the programme's idle time, which the session middleware reads on a session's
# first page, and the dashboard's figures kept in the cache.
PRIMARY_TABLES = (
    "programme_session",
    "portal_cache",
    "programme_user",
    "auth_group",
    "programme_user_groups",
    "programme_programme",
)


def statements_between(log: str, begins: str, ends: str) -> list[str]:
    """The statements a server logged between two of the probe's markers, markers left out."""
    statements = re.findall(r"LOG:  statement: (.*)", log)
    first = next(i for i, text in enumerate(statements) if f"replica-probe {begins}" in text)
    last = next(i for i, text in enumerate(statements) if f"replica-probe {ends}" in text)
    return statements[first + 1 : last]


@pytest.mark.django_db
def test_dashboard_and_statistics_read_from_a_streaming_replica():
    # `make test` installs Debian's postgresql (deploy-packages) when it is missing.
    assert PROGRAMS is not None, "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
    test_database = settings.DATABASES["default"]
    source = (
        f"postgres://{test_database.get('USER') or 'postgres'}@{test_database.get('HOST') or '127.0.0.1'}:"
        f"{test_database.get('PORT') or 5432}/{test_database['NAME']}"
    )
    with ReplicaPair(PROGRAMS) as pair:
        pair.load_schema(source)
        pair.start_replica()
        assert pair.replica.query("SELECT pg_is_in_recovery()") == [(True,)]
        keep = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOG_"))}
        answer = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.deploy.replica_probe",
                str(pair.primary.port),
                str(pair.replica.port),
            ],
            cwd=settings.BASE_DIR,
            env={
                **keep,
                "DJANGO_SETTINGS_MODULE": "programme.settings",
                "DEBUG": "false",
                "SECRET_KEY": "replica-probe-" + "x" * 50,
                "DATABASE_URL": pair.primary.url("portal"),
                "DATABASE_REPLICA_URL": pair.replica.url("portal"),
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                # Nothing here should queue a task; if something did, it would fail fast.
                "REDIS_URL": "redis://127.0.0.1:9/0",
                "LOG_LEVEL": "ERROR",
            },
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert answer.returncode == 0, answer.stderr[-4000:]
        result = json.loads(answer.stdout.strip().splitlines()[-1])
        primary_log, replica_log = pair.primary.log_text(), pair.replica.log_text()

    assert result["databases"] == ["default", "replica"]
    assert result["routers"] == ["programme.replicas.ReplicaRouter"]
    # Replay paused: the replica still has one enrolled SME while the primary has two; the staff
    # member who signed in after the pause was recognised, from the primary.
    assert result["paused"] == {"dashboard": 1, "statistics": 1}
    assert result["resumed"] == {"dashboard": 2, "statistics": 2}

    for phase in ("paused", "resumed"):
        on_replica = statements_between(replica_log, f"{phase} begins", f"{phase} ends")
        on_primary = statements_between(primary_log, f"{phase} begins", f"{phase} ends")
        # The dashboard's 13 aggregates, the statistics page's 6, the programme once per page.
        assert sum('FROM "smes_application"' in text for text in on_replica) >= 5, on_replica
        assert any('FROM "assessments_assessment"' in text for text in on_replica), on_replica
        assert not [text for text in on_replica if re.match(r"(INSERT|UPDATE|DELETE)\b", text)]
        assert on_primary, "the staff member's session was not read from the primary"
        assert not [text for text in on_primary if any(f'"{table}"' in text for table in PAGE_TABLES)], (
            on_primary
        )
        tables = {
            table for text in on_primary for table in re.findall(r'(?:FROM|JOIN|UPDATE|INTO) "(\w+)"', text)
        }
        assert tables <= set(PRIMARY_TABLES), on_primary
