"""Every Celery task of the portal: delivered at least once and safe to run twice.

The table below names each registered task with how it survives a transient failure; a
task missing from it fails the test, so a new task is never forgotten. Each task then runs
twice on the same state, as a redelivered message would (acks_late: a worker that dies
before acknowledging leaves the message to another), and the second run must change
nothing: not a row, not an e-mail."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from assessments import services as assessment_services
from assessments.models import AssessmentStatus, MatchingRun, RunStatus
from programme import figures, notifications
from programme.celery import app as celery_app
from programme.home import queries as home_queries
from programme.models import EmailStatus, Notification, Programme
from smes.models import ApplicationStatus
from tests import celery_queue
from tests.assessments.review_fixtures import make_assessment
from tests.factories import (
    ApplicationFactory,
    CompanyFactory,
    ProgrammeFactory,
    SmeMemberFactory,
    StaffFactory,
)
from tests.robustness import snapshot

pytestmark = pytest.mark.django_db

OWN_PACKAGES = ("programme.", "smes.", "managers.", "assessments.", "projects.")

# How each task copes with a failure that may pass (broker, mail server, database restart):
# "retry": retried by Celery with exponential back-off, a bounded number of times;
# "periodic": run by beat every few minutes, so the next run is the retry, and a run that
# failed half-way left each item in its own transaction;
# "request": the dashboard's figures after a change, which the next request computes itself
# once the worker has not within figures.REFRESH_GRACE (a lost or failed task costs one slow
# request, never stale figures for long);
# "fail": a matching run that breaks is marked failed for staff to start again (its
# computation is long and its input may have changed: retrying it blindly is wrong).
RECOVERY = {
    "programme.tasks.deliver_notification": "retry",
    "programme.tasks.deliver_pending_notifications": "periodic",
    "programme.tasks.beat_heartbeat": "periodic",
    "assessments.tasks.run_matching": "fail",
    "assessments.tasks.watch_matching_runs": "periodic",
    "assessments.tasks.lapse_unanswered_assessments": "periodic",
    "assessments.tasks.remind_unanswered_assessments": "periodic",
    "assessments.review.tasks.remind_overdue_assessments": "periodic",
    "assessments.review.tasks.send_overdue_digest": "periodic",
    "programme.home.tasks.apply_retention_rules": "periodic",
    "programme.tasks.refresh_dashboard": "request",
}


def own_tasks() -> dict:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(OWN_PACKAGES)}


def test_every_registered_task_is_in_the_table():
    assert sorted(own_tasks()) == sorted(RECOVERY)


def test_the_settings_acknowledge_late_and_requeue_on_a_lost_worker():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@pytest.mark.parametrize("name", sorted(RECOVERY))
def test_each_task_is_acknowledged_after_it_ran_and_requeued_if_its_worker_dies(name):
    task = own_tasks()[name]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


@pytest.mark.parametrize("name", sorted(RECOVERY))
def test_each_task_has_bounded_retries_with_back_off_or_a_periodic_retry(name):
    task = own_tasks()[name]
    recovery = RECOVERY[name]
    if recovery == "retry":
        assert task.autoretry_for, "retried on the transient errors"
        assert 0 < task.max_retries <= 10
        assert task.retry_backoff and task.retry_backoff_max, "exponential back-off with a ceiling"
        assert task.retry_jitter
    elif recovery == "periodic":
        scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert name in scheduled
        assert not getattr(task, "autoretry_for", ()), (
            "beat is the retry: no second layer of retries piling up"
        )
    elif recovery == "request":
        assert name == "programme.tasks.refresh_dashboard"
        assert datetime.timedelta(minutes=1) >= figures.REFRESH_GRACE
        assert not getattr(task, "autoretry_for", ()), "the next request is the retry"
    else:
        assert name == "assessments.tasks.run_matching"
        assert "assessments.tasks.watch_matching_runs" in {
            entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
        }
        assert not getattr(task, "autoretry_for", ())


# Idempotence: each case builds a state and names the task call to make on it, twice.


def _notification_pending() -> Notification:
    staff = StaffFactory(totp_secret=False)
    return notifications.notify(
        staff, "user_invited", link="http://testserver/", inviter=staff, role_label="Staff"
    )


def prepare_deliver_notification(request) -> tuple[str, list]:
    notification = _notification_pending()
    return "programme.tasks.deliver_notification", [notification.pk]


def prepare_deliver_pending(request) -> tuple[str, list]:
    _notification_pending()
    _notification_pending()
    return "programme.tasks.deliver_pending_notifications", []


def prepare_beat_heartbeat(request) -> tuple[str, list]:
    return "programme.tasks.beat_heartbeat", []


def prepare_run_matching(request) -> tuple[str, list]:
    pool = request.getfixturevalue("pool")
    capture = request.getfixturevalue("django_capture_on_commit_callbacks")
    with capture(execute=True):
        run = assessment_services.matching_run_start(programme=pool.programme, by=StaffFactory())
    celery_queue.take_all()
    return "assessments.tasks.run_matching", [run.pk]


def prepare_watch(request) -> tuple[str, list]:
    pool = request.getfixturevalue("pool")
    run = MatchingRun.objects.create(programme=pool.programme, started_by=StaffFactory(), weights={})
    long_ago = timezone.now() - assessment_services.RUN_HEARTBEAT_TIMEOUT - datetime.timedelta(minutes=1)
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=long_ago)
    return "assessments.tasks.watch_matching_runs", []


def prepare_lapse(request) -> tuple[str, list]:
    pool = request.getfixturevalue("pool")
    make_assessment(
        pool.milan,
        pool.first,
        AssessmentStatus.ASSIGNED,
        answer_due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    return "assessments.tasks.lapse_unanswered_assessments", []


def prepare_remind_unanswered(request) -> tuple[str, list]:
    pool = request.getfixturevalue("pool")
    make_assessment(
        pool.milan,
        pool.first,
        AssessmentStatus.ASSIGNED,
        answer_due_on=timezone.localdate() + datetime.timedelta(days=pool.programme.reminder_days_before),
    )
    return "assessments.tasks.remind_unanswered_assessments", []


def prepare_remind_overdue(request) -> tuple[str, list]:
    pool = request.getfixturevalue("pool")
    make_assessment(
        pool.milan,
        pool.first,
        AssessmentStatus.IN_PROGRESS,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    return "assessments.review.tasks.remind_overdue_assessments", []


def prepare_digest(request) -> tuple[str, list]:
    prepare_remind_overdue(request)
    StaffFactory(totp_secret=False)
    return "assessments.review.tasks.send_overdue_digest", []


def prepare_retention(request) -> tuple[str, list]:
    programme = ProgrammeFactory(slug="edizione-passata", is_current=False, retention_months_not_enrolled=1)
    ApplicationFactory(
        programme=programme,
        company=CompanyFactory(member=SmeMemberFactory()),
        status=ApplicationStatus.WITHDRAWN,
        withdrawn_at=timezone.now() - datetime.timedelta(days=90),
    )
    return "programme.home.tasks.apply_retention_rules", []


def prepare_refresh_dashboard(request) -> tuple[str, list]:
    programme = ProgrammeFactory()
    ApplicationFactory(programme=programme, company=CompanyFactory(member=SmeMemberFactory()))
    return "programme.tasks.refresh_dashboard", [programme.pk, timezone.localdate().isoformat(), "it"]


PREPARE = {
    "programme.tasks.deliver_notification": prepare_deliver_notification,
    "programme.tasks.deliver_pending_notifications": prepare_deliver_pending,
    "programme.tasks.beat_heartbeat": prepare_beat_heartbeat,
    "assessments.tasks.run_matching": prepare_run_matching,
    "assessments.tasks.watch_matching_runs": prepare_watch,
    "assessments.tasks.lapse_unanswered_assessments": prepare_lapse,
    "assessments.tasks.remind_unanswered_assessments": prepare_remind_unanswered,
    "assessments.review.tasks.remind_overdue_assessments": prepare_remind_overdue,
    "assessments.review.tasks.send_overdue_digest": prepare_digest,
    "programme.home.tasks.apply_retention_rules": prepare_retention,
    "programme.tasks.refresh_dashboard": prepare_refresh_dashboard,
}


def test_every_task_has_an_idempotence_case():
    assert sorted(PREPARE) == sorted(RECOVERY)


def run_as_a_worker(name: str, args: list, capture) -> None:
    """The task, then what it queued after its commits (the e-mails), as workers would."""
    with capture(execute=True):
        own_tasks()[name].apply(args=args, throw=True)
    celery_queue.run_all()


@pytest.mark.parametrize("name", sorted(PREPARE))
def test_running_a_task_twice_has_the_effect_of_running_it_once(
    name, request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task_name, args = PREPARE[name](request)
    assert task_name == name
    celery_queue.take_all()  # the e-mails queued while preparing are not the task's doing
    mail.outbox = []
    before = snapshot.database()

    run_as_a_worker(name, args, django_capture_on_commit_callbacks)
    once_db, once_mail = snapshot.database(), snapshot.outbox()
    run_as_a_worker(name, args, django_capture_on_commit_callbacks)

    assert snapshot.changed_tables(once_db, snapshot.database()) == []
    assert snapshot.outbox() == once_mail
    # The case is a real one: the first run did something (beat's heartbeat aside, whose
    # only effect is a time that moves; the dashboard's figures are kept in the cache).
    if name == "programme.tasks.refresh_dashboard":
        assert _dashboard_figures_kept(*args)
    elif name != "programme.tasks.beat_heartbeat":
        assert snapshot.changed_tables(before, once_db) or once_mail, "the first run did nothing"


def _dashboard_figures_kept(programme_id: int, day: str, language: str) -> bool:
    """Whether the dashboard reads its figures back, up to date, without computing them."""

    def computed_again() -> None:
        raise AssertionError("the figures were not kept")

    with translation.override(language):
        latest, updating = figures.kept_while_refreshed(
            Programme.objects.get(pk=programme_id),
            home_queries.DASHBOARD_FIGURES,
            computed_again,
            today=datetime.date.fromisoformat(day),
            refresh=computed_again,
        )
    return not updating and latest.value["figures"] is not None


def test_a_delivered_notification_is_marked_sent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notification_pending()
    celery_queue.take_all()
    own_tasks()["programme.tasks.deliver_notification"].apply(args=[notification.pk], throw=True)
    own_tasks()["programme.tasks.deliver_notification"].apply(args=[notification.pk], throw=True)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 1
    assert len(mail.outbox) == 1


# Enqueued only after commit: the services' side of the broker.


def test_a_notification_is_queued_only_when_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = _notification_pending()
        assert celery_queue.take_all() == []
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert [(task.name, task.args) for task in celery_queue.take_all()] == [
        ("programme.tasks.deliver_notification", [notification.pk])
    ]


def test_a_matching_run_is_queued_only_when_its_transaction_commits(pool, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = assessment_services.matching_run_start(programme=pool.programme, by=StaffFactory())
    assert celery_queue.take_all() == []
    for callback in callbacks:
        callback()
    assert [(task.name, task.args) for task in celery_queue.take_all()] == [
        ("assessments.tasks.run_matching", [run.pk])
    ]


def test_a_request_whose_transaction_rolls_back_queues_nothing(
    staff_client, django_capture_on_commit_callbacks
):
    """An invitation refused by the service (an address already in use) leaves no e-mail behind."""
    staff = StaffFactory(totp_secret=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("programme:invite"),
            {
                "email": staff.email,
                "first_name": "A",
                "last_name": "B",
                "role": "programme_staff",
                "language": "it",
            },
        )
    assert response.status_code in (200, 400)
    assert celery_queue.take_all() == []
    assert not Notification.objects.filter(email=staff.email).exists()
