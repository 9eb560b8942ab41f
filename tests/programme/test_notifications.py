"""notify(): the in-app row, the e-mail through the real broker after commit, exactly once."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from programme import notifications
from programme.models import EmailStatus, Notification
from programme.tasks import deliver_notification, deliver_pending_notifications
from tests import celery_queue
from tests.factories import SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def pending_notification() -> Notification:
    person = SmeMemberFactory()
    return notifications.store_and_schedule(
        recipient=person,
        email=person.email,
        event="test",
        language="it",
        subject="Oggetto",
        body_text="Testo",
    )


def invite(staff, email="nuovo@esempio.it", language="it"):
    from programme import services

    return services.user_invite(
        email=email, role="administrator", first_name="Anna", last_name="Neri", language=language, by=staff
    )


def test_notify_queues_the_email_on_the_real_broker_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = pending_notification()
    queued = celery_queue.take_all()
    assert [(task.name, task.args) for task in queued] == [
        ("programme.tasks.deliver_notification", [notification.pk])
    ]


def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        invite(staff)
        raise RuntimeError("the use case failed after notifying")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert celery_queue.take_all() == []
    assert mail.outbox == []


def test_a_task_run_twice_sends_one_email(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff)
    [queued] = celery_queue.take_all()
    deliver_notification.apply(args=queued.args, throw=True)
    deliver_notification.apply(args=queued.args, throw=True)
    assert len(mail.outbox) == 1
    notification = Notification.objects.get(pk=queued.args[0])
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 1


def test_the_email_is_in_the_recipients_language_in_text_and_html(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, email="english@esempio.it", language="en")
        invite(staff, email="italiano@esempio.it", language="it")
    celery_queue.run_all()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "invited" in by_address["english@esempio.it"].subject
    assert "invitat" in by_address["italiano@esempio.it"].subject
    for message in mail.outbox:
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert "http://testserver/accounts/password/reset/key/" in message.body
        assert "http://testserver/accounts/password/reset/key/" in html


def test_with_the_broker_down_the_request_succeeds_and_the_sweep_delivers_exactly_once(
    staff_client, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("programme:invite"),
            {
                "email": "collega@esempio.it",
                "first_name": "Luca",
                "last_name": "Galli",
                "role": "programme_staff",
                "language": "it",
            },
        )
    assert response.status_code == 302
    notification = Notification.objects.get(email="collega@esempio.it")
    assert notification.email_status == EmailStatus.PENDING
    assert mail.outbox == []

    deliver_pending_notifications.apply(throw=True)
    deliver_pending_notifications.apply(throw=True)
    assert [message.to for message in mail.outbox] == [["collega@esempio.it"]]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


def test_a_failed_send_is_left_pending_and_tried_again(settings):
    settings.EMAIL_BACKEND = "tests.programme.failing_mail.FailingBackend"
    notification = pending_notification()
    with pytest.raises(OSError):
        notifications.deliver_email(notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert "mail server unreachable" in notification.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.deliver_pending() == 1
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_dead_worker_is_taken_again_after_a_while(settings):
    from datetime import timedelta

    from django.utils import timezone

    notification = pending_notification()
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now()
    )
    assert notifications.deliver_pending() == 0
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert notifications.deliver_pending() == 1
    assert len(mail.outbox) == 1


def test_inbox_shows_unread_count_and_marks_read(sme_client, sme_member):
    first = Notification.objects.create(
        recipient=sme_member,
        email=sme_member.email,
        event="x",
        subject="Benvenuti",
        body_text="...",
        link="/pmi/",
    )
    Notification.objects.create(
        recipient=sme_member, email=sme_member.email, event="x", subject="Secondo", body_text="..."
    )
    page = sme_client.get(reverse("programme:inbox")).content.decode()
    assert "Benvenuti" in page and "Secondo" in page
    assert 'badge text-bg-light">2' in page

    response = sme_client.post(reverse("programme:notification", args=[first.pk]))
    assert response["Location"] == "/pmi/"
    first.refresh_from_db()
    assert first.read_at is not None

    sme_client.post(reverse("programme:mark_all_read"))
    assert not Notification.objects.filter(recipient=sme_member, read_at__isnull=True).exists()


def test_inbox_makes_the_same_number_of_queries_whatever_its_length(sme_member, django_assert_num_queries):
    from django.test import Client

    from tests.conftest import sign_in

    client = sign_in(Client(), sme_member)

    def add(count):
        Notification.objects.bulk_create(
            Notification(
                recipient=sme_member, email=sme_member.email, event="x", subject=f"N{i}", body_text="."
            )
            for i in range(count)
        )

    add(3)
    client.get(reverse("programme:inbox"))
    with django_assert_num_queries(QUERIES_INBOX):
        client.get(reverse("programme:inbox"))
    add(60)
    with django_assert_num_queries(QUERIES_INBOX):
        client.get(reverse("programme:inbox"))


# session, user, groups (role), current programme, unread count, page count, page rows
QUERIES_INBOX = 7
