"""Matching runs and e-mails travel on separate queues, so a worker started on each does
only its own work and a long matching run never delays an e-mail."""

import pytest
from django.conf import settings

from assessments import services as matching_services
from programme import notifications
from tests import celery_queue
from tests.factories import SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_matching_run_goes_to_the_matching_queue_only(programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = matching_services.matching_run_start(programme=programme, by=StaffFactory())

    assert celery_queue.take(settings.CELERY_TASK_DEFAULT_QUEUE) == []
    [task] = celery_queue.take(settings.CELERY_MATCHING_QUEUE)
    assert (task.name, task.args) == ("assessments.tasks.run_matching", [run.pk])


def test_an_e_mail_goes_to_the_default_queue_only(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = SmeMemberFactory()
        notification = notifications.store_and_schedule(
            recipient=person,
            email=person.email,
            event="test",
            language="it",
            subject="Oggetto",
            body_text="Testo",
        )

    assert celery_queue.take(settings.CELERY_MATCHING_QUEUE) == []
    [task] = celery_queue.take(settings.CELERY_TASK_DEFAULT_QUEUE)
    assert (task.name, task.args) == ("programme.tasks.deliver_notification", [notification.pk])
