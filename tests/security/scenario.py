"""One programme with an object of every kind, each belonging to a persona, built once per
test module and rolled back after it; and a fingerprint of the stored data, to prove that a
refused request changed nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentStatus, MatchingRun, Proposal, RunStage, RunStatus
from managers.models import UnavailabilityPeriod
from programme.models import Notification
from projects.models import ProjectStatus
from smes.models import ApplicationStatus
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import full_report, make_assessment
from tests.conftest import sign_in
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    ApplicationFactory,
    CompanyFactory,
    ManagerUserFactory,
    ProgrammeFactory,
    SmeMemberFactory,
    StaffFactory,
)
from tests.projects.financing_fixtures import make_project

# The personas, in the order of the columns of the matrix.
PERSONAS = ("anonymous", "sme", "other_sme", "manager", "other_manager", "staff", "administrator")


@dataclass
class World:
    """Everything the URL keyword arguments are filled from, and each persona's session."""

    objects: dict[str, object]
    users: dict[str, object]
    sessions: dict[str, str]
    # The fingerprint of the stored data as built: each test starts from it again (its own
    # savepoint is rolled back), so it is computed once.
    baseline: dict[str, tuple[int, str]] = field(default_factory=dict)

    # One request handler for every client: a new handler loads the middleware again, and
    # WhiteNoise's reads the whole static folder each time (a quarter of a second a cell).
    handler: ClientHandler = field(default_factory=lambda: ClientHandler(enforce_csrf_checks=False))

    def client(self, persona: str) -> Client:
        """A fresh client carrying the persona's session (so no cookie leaks between tests)."""
        client = Client()
        client.handler = self.handler
        if persona in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client


def build_world() -> World:
    programme = ProgrammeFactory()
    users = {
        "sme": SmeMemberFactory(),
        "other_sme": SmeMemberFactory(),
        "manager": ManagerUserFactory(),
        "other_manager": ManagerUserFactory(),
        "staff": StaffFactory(),
        "administrator": AdministratorFactory(),
    }
    manager = selected(programme, ["MI", "MB", "BG"], capacity=3, user=users["manager"])
    other_manager = selected(programme, ["BG", "MI"], capacity=3, merit="3.50", user=users["other_manager"])
    today = timezone.localdate()
    period = UnavailabilityPeriod.objects.create(
        manager=manager,
        starts_on=today + datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=35),
    )

    # SME A: its assessment by manager A is completed and reported; its project is eligible.
    project = make_project(programme, manager=manager, member=users["sme"], status=ProjectStatus.ELIGIBLE)
    completed = project.assessment
    full_report(completed)
    # SME B: its own assessment under way with the other manager.
    application_b = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.ENROLLED,
        company=CompanyFactory(member=users["other_sme"], province="BG"),
    )
    assessment_b = full_report(make_assessment(application_b, other_manager, AssessmentStatus.IN_PROGRESS))
    # A third SME (no persona's company) whose assessment manager A is working on: the
    # manager's workspace pages are exercised on it.
    application_c = enrolled(programme, "MI", "Milano")
    in_progress = full_report(make_assessment(application_c, manager, AssessmentStatus.IN_PROGRESS))
    # A fourth SME waiting for matching, proposed to the other manager by a finished run.
    application_d = enrolled(programme, "MB", "Monza")
    run = MatchingRun.objects.create(
        programme=programme,
        status=RunStatus.PROPOSED,
        stage=RunStage.DONE,
        started_by=users["staff"],
        started_at=timezone.now() - datetime.timedelta(minutes=5),
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=4),
        finished_at=timezone.now() - datetime.timedelta(minutes=4),
        smes_considered=1,
        managers_considered=2,
        pairs_scored=2,
    )
    proposal = Proposal.objects.create(
        run=run,
        application=application_d,
        manager=other_manager,
        fit=Decimal("0.8000"),
        breakdown=[],
        alternatives=[{"manager": manager.pk, "fit": 0.7, "breakdown": []}],
    )
    notification = Notification.objects.create(
        recipient=users["sme"],
        email=users["sme"].email,
        event="application_enrolled",
        subject="La candidatura è stata accolta",
        body_text="La vostra impresa è iscritta al programma.",
    )
    # An address SME B's member added and has not confirmed yet: the confirmation page's key.
    unverified_email = EmailAddress.objects.create(
        user=users["other_sme"], email="indirizzo.da.confermare@esempio.it", primary=False, verified=False
    )
    objects = {
        "programme": programme,
        "unverified_email": unverified_email,
        "manager": manager,
        "other_manager": other_manager,
        "period": period,
        "application": completed.application,
        "other_application": application_b,
        "completed": completed,
        "other_assessment": assessment_b,
        "in_progress": in_progress,
        "visit": in_progress.visits.order_by("pk").first(),
        "sme_visit": completed.visits.order_by("pk").first(),
        "recommendation": in_progress.recommendations.order_by("position").last(),
        "project": project,
        "milestone": project.milestones.order_by("position").first(),
        "run": run,
        "proposal": proposal,
        "notification": notification,
        # The person whose data staff look at, download and erase: SME B's member.
        "person": users["other_sme"],
    }
    sessions = {}
    for persona, user in users.items():
        client = sign_in(Client(), user)
        sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    for persona in ("staff", "administrator"):
        # Password given, authenticator code never given: the sign-in is left half-way.
        client = Client()
        client.post(reverse("account_login"), {"login": users[persona].email, "password": PASSWORD})
        sessions[f"{persona}_password_only"] = client.cookies[settings.SESSION_COOKIE_NAME].value
        # A session signed in by some other way than the portal's sign-in (no second factor
        # recorded in it), as a flaw elsewhere could make one.
        client = Client()
        client.force_login(users[persona])
        sessions[f"{persona}_without_second_factor"] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return World(objects=objects, users=users, sessions=sessions, baseline=fingerprint())


# Tables a refused request may legitimately write: sessions (last seen) and the rate-limit cache.
VOLATILE_TABLES = {"programme_session", "portal_cache"}
FINGERPRINTED_APPS = ("programme", "smes", "managers", "assessments", "projects", "auth", "account", "mfa")


def _tables() -> list[str]:
    tables = set()
    for app_label in FINGERPRINTED_APPS:
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    return sorted(tables - VOLATILE_TABLES)


def fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row of every table of the portal's data, in one query."""
    # The table names come from the models, never from input.
    select = (
        "SELECT '{0}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{0}\" t"
    )
    parts = [select.format(table) for table in _tables()]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(table for table in before if before[table] != after[table])
