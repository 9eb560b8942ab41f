"""With the broker unreachable (the `broker_down` fixture: a closed port; the shared Redis
is never stopped), every action that hands work to Celery still answers, does its work and
loses nothing: its e-mails wait as pending notifications, and the periodic sweep, run
once the broker is back, delivers each exactly once. A matching run started meanwhile is
handed to a worker again by the watchdog and computed once.

No timing here: the settings' short publish timeouts are asserted as values, and each
request is shown to complete."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus, MatchingRun, RunStatus
from assessments.tasks import watch_matching_runs
from managers.models import Manager, ManagerStatus
from programme.celery import app as celery_app
from programme.models import EmailStatus, Notification
from programme.tasks import deliver_pending_notifications
from projects.models import MilestoneStatus, Project, ProjectStatus
from smes.models import Application, ApplicationStatus
from tests import celery_queue
from tests.assessments.conftest import enrolled
from tests.assessments.review_fixtures import full_report, make_assessment
from tests.factories import ApplicationFactory, CompanyFactory, SmeMemberFactory
from tests.robustness.world import World, filled_form

pytestmark = pytest.mark.django_db


def test_the_settings_give_up_publishing_quickly():
    """A request that publishes never waits long on a broker that does not answer."""
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 2
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["socket_connect_timeout"] <= 2
    assert options["socket_timeout"] <= 5
    assert options["max_retries"] <= 1
    assert settings.CELERY_TASK_PUBLISH_RETRY is False
    # The Celery application runs with them (they reach the connection it opens).
    assert celery_app.conf.broker_connection_timeout == settings.CELERY_BROKER_CONNECTION_TIMEOUT
    assert celery_app.conf.broker_transport_options == options
    assert celery_app.conf.task_publish_retry is False
    with celery_app.connection_for_write() as connection:
        assert connection.transport_options["socket_connect_timeout"] <= 2
        assert connection.connect_timeout <= 2


def broker_back() -> None:
    """The broker reachable again (what the fixture restores at the end of the test)."""
    celery_app.conf.broker_url = settings.CELERY_BROKER_URL
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@dataclass(frozen=True)
class Action:
    name: str
    persona: str
    url: Callable[[World], str]
    payload: Callable[[World], dict]
    done: Callable[[World], bool]  # the action did its work
    page: bool = False  # the payload starts from what the form's page fills in


def _eligible(world: World) -> Application:
    return ApplicationFactory(
        programme=world.programme,
        status=ApplicationStatus.ELIGIBLE,
        company=CompanyFactory(member=SmeMemberFactory()),
    )


def _ready_to_submit(world: World) -> Assessment:
    """A complete report of the manager with places left."""
    return full_report(
        make_assessment(
            enrolled(world.programme, "MI", "Milano"), world.free_manager, AssessmentStatus.IN_PROGRESS
        )
    )


ACTIONS = [
    Action(
        "sign-up e-mail",
        "anonymous",
        lambda world: reverse("account_signup"),
        lambda world: {
            "role": "sme_member",
            "first_name": "Nuova",
            "last_name": "Persona",
            "email": "nuova.persona@esempio.it",
            "password1": "Una-password-nuova-2026",
            "password2": "Una-password-nuova-2026",
            "language": "en",
        },
        lambda world: Notification.objects.filter(email="nuova.persona@esempio.it").exists(),
        page=True,
    ),
    Action(
        "application submit",
        "applicant",
        lambda world: reverse("smes:application_submit", args=[world.draft_application.pk]),
        lambda world: {},
        lambda world: (
            Application.objects.get(pk=world.draft_application.pk).status != ApplicationStatus.DRAFT
        ),
    ),
    Action(
        "eligibility decision",
        "staff",
        lambda world: reverse("smes:staff_decide", args=[world.submitted_application.pk]),
        lambda world: {"decision": "ineligible", "reason": "Fatturato oltre il limite."},
        lambda world: (
            Application.objects.get(pk=world.submitted_application.pk).status == ApplicationStatus.INELIGIBLE
        ),
    ),
    Action(
        "enrolment",
        "staff",
        lambda world: reverse("smes:staff_enrol", args=[_eligible(world).pk]),
        lambda world: {},
        # The only eligible application of the world is the one just made: enrolled now.
        lambda world: not Application.objects.filter(status=ApplicationStatus.ELIGIBLE).exists(),
    ),
    Action(
        "staff invitation",
        "staff",
        lambda world: reverse("programme:invite"),
        lambda world: {
            "email": "collega.nuova@esempio.it",
            "first_name": "Luca",
            "last_name": "Galli",
            "role": "programme_staff",
            "language": "it",
        },
        lambda world: Notification.objects.filter(email="collega.nuova@esempio.it").exists(),
    ),
    Action(
        "colleague invitation",
        "applicant",
        lambda world: reverse("smes:company_members"),
        lambda world: {
            "email": "collega.impresa@esempio.it",
            "first_name": "Anna",
            "last_name": "Neri",
            "language": "it",
        },
        lambda world: Notification.objects.filter(email="collega.impresa@esempio.it").exists(),
    ),
    Action(
        "manager selection",
        "staff",
        lambda world: reverse("managers:decide", args=[world.applied_manager.pk]),
        lambda world: {"decision": "select", "reason": ""},
        lambda world: Manager.objects.get(pk=world.applied_manager.pk).status == ManagerStatus.SELECTED,
    ),
    Action(
        "matching confirmation",
        "staff",
        lambda world: reverse("assessments:run_confirm", args=[world.run.pk]),
        lambda world: {},
        lambda world: MatchingRun.objects.get(pk=world.run.pk).status == RunStatus.CONFIRMED,
    ),
    Action(
        "assessment decline",
        "manager",
        lambda world: reverse("assessments:decline", args=[world.assigned.pk]),
        lambda world: {"reason": "Conosco il titolare."},
        lambda world: Assessment.objects.get(pk=world.assigned.pk).status == AssessmentStatus.DECLINED,
    ),
    Action(
        "assessment submit",
        "manager_free",
        lambda world: reverse("work:submit", args=[_ready_to_submit(world).pk]),
        lambda world: {},
        lambda world: Assessment.objects.filter(
            manager=world.free_manager, status=AssessmentStatus.SUBMITTED
        ).exists(),
    ),
    Action(
        "assessment complete",
        "staff",
        lambda world: reverse("review:complete", args=[world.submitted.pk]),
        lambda world: {},
        lambda world: Assessment.objects.get(pk=world.submitted.pk).status == AssessmentStatus.COMPLETED,
    ),
    Action(
        "assessment return",
        "staff",
        lambda world: reverse("review:return", args=[world.submitted.pk]),
        lambda world: {"comments": "Mancano le evidenze."},
        lambda world: Assessment.objects.get(pk=world.submitted.pk).status == AssessmentStatus.IN_PROGRESS,
    ),
    Action(
        "project approval",
        "administrator",
        lambda world: reverse("financing:approve", args=[world.eligible_project.pk]),
        lambda world: {"amount": "60000"},
        lambda world: Project.objects.get(pk=world.eligible_project.pk).status == ProjectStatus.APPROVED,
    ),
    Action(
        "project rejection",
        "administrator",
        lambda world: reverse("financing:reject", args=[world.eligible_project.pk]),
        lambda world: {"reason": "Piano non sostenibile."},
        lambda world: Project.objects.get(pk=world.eligible_project.pk).status == ProjectStatus.REJECTED,
    ),
    Action(
        "tranche payment",
        "staff",
        lambda world: reverse(
            "financing:milestone_pay", args=[world.started_project.pk, world.reached_milestone.pk]
        ),
        lambda world: {
            f"milestone-{world.reached_milestone.pk}-amount": str(world.reached_milestone.tranche)
        },
        lambda world: world.started_project.milestones.filter(status=MilestoneStatus.PAID).exists(),
    ),
]


@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_with_the_broker_down_the_action_completes_and_its_emails_go_once_it_is_back(
    action, world, broker_down, django_capture_on_commit_callbacks
):
    client = world.clients[action.persona]
    url = action.url(world)
    payload = action.payload(world)
    if action.page:
        payload = {**filled_form(client.get(url).content.decode(), url), **payload}
    before = set(Notification.objects.values_list("pk", flat=True))
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, payload)

    assert response.status_code == 302, action.name
    assert action.done(world), f"{action.name}: the action did not do its work"
    created = Notification.objects.exclude(pk__in=before)
    assert created.exists(), f"{action.name} sends nothing"
    assert set(created.values_list("email_status", flat=True)) == {EmailStatus.PENDING}
    assert mail.outbox == []

    broker_back()
    assert celery_queue.take_all() == [], "nothing reached the broker while it was down"
    deliver_pending_notifications.apply(throw=True)
    deliver_pending_notifications.apply(throw=True)  # a second sweep sends nothing again
    expected = sorted(created.values_list("email", flat=True))
    assert sorted(message.to[0] for message in mail.outbox) == expected
    assert set(created.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_a_matching_run_started_with_the_broker_down_is_computed_once_it_is_back(
    world, broker_down, django_capture_on_commit_callbacks
):
    staff = world.clients["staff"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("assessments:matching_start"))
    assert response.status_code == 302
    run = MatchingRun.objects.order_by("-pk").first()
    assert run.pk != world.run.pk and run.status == RunStatus.QUEUED

    broker_back()
    assert celery_queue.take_all() == [], "the run never reached the broker"
    # Beat's watchdog, a few minutes on: the run never reached the broker, so it goes again.
    MatchingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    watch_matching_runs.apply(throw=True)
    watch_matching_runs.apply(throw=True)  # twice: two messages, one computation
    queued = celery_queue.take_all()
    assert [(task.name, task.args) for task in queued] == [("assessments.tasks.run_matching", [run.pk])] * 2
    for task in queued:
        celery_app.tasks[task.name].apply(args=task.args, throw=True)
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED
    assert [item["stage"] for item in run.stages].count("done") == 1
    assert run.proposals.count() > 0
