"""The one way the portal tells people something: `notify()`.

A notification row is written in the caller's transaction; the e-mail is queued
only after that transaction commits, so a rollback sends nothing. If the broker
cannot be reached the request still succeeds: the row stays pending and the
periodic sweep (programme.tasks.deliver_pending_notifications) sends it.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from programme.models import EmailStatus, Language, Notification, User

logger = logging.getLogger(__name__)

# After this many failed attempts a message is marked failed and left for staff.
MAX_EMAIL_ATTEMPTS = 8


def absolute_url(path: str) -> str:
    """A portal path as the full address an e-mail needs."""
    return settings.SITE_URL.rstrip("/") + path


def notify(
    recipient: User, event: str, *, link: str = "", in_inbox: bool = True, **context: Any
) -> Notification:
    """Tell `recipient` about `event`, in their language, in the inbox and by e-mail.

    Renders `emails/<event>_subject.txt`, `emails/<event>.txt` and `emails/<event>.html`
    with `context` (plus `recipient`, `link` and `site_url`)."""
    return store_and_schedule(
        recipient=recipient,
        email=recipient.email,
        event=event,
        link=link,
        in_inbox=in_inbox,
        **render_message(recipient, event, link=link, **context),
    )


def render_message(recipient: User, event: str, *, link: str = "", **context: Any) -> dict[str, str]:
    """The message of `event` for `recipient`, in their language: `language`, `subject`,
    `body_text` and `body_html`, as notify() stores them."""
    language = recipient.language or Language.ITALIAN
    full_context = {"recipient": recipient, "link": link, "site_url": settings.SITE_URL, **context}
    with translation.override(language):
        return {
            "language": language,
            "subject": " ".join(render_to_string(f"emails/{event}_subject.txt", full_context).split()),
            "body_text": render_to_string(f"emails/{event}.txt", full_context).strip(),
            "body_html": render_to_string(f"emails/{event}.html", full_context).strip(),
        }


def store_and_schedule(
    *,
    recipient: User | None,
    email: str,
    event: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    link: str = "",
    in_inbox: bool = True,
) -> Notification:
    """Keep an already rendered message and queue its e-mail after commit.

    Used by notify() and by the account adapter, whose e-mails allauth renders."""
    notification = Notification.objects.create(
        recipient=recipient,
        email=email,
        event=event,
        language=language,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        link=link,
        in_inbox=in_inbox and recipient is not None,
    )
    transaction.on_commit(partial(enqueue_delivery, notification.pk))
    return notification


def enqueue_delivery(notification_id: int) -> bool:
    """Hand the e-mail to a worker. Never raises: the sweep covers a broker that is down."""
    from programme.celery import hand_to_worker
    from programme.tasks import deliver_notification

    return hand_to_worker(
        deliver_notification,
        notification_id,
        otherwise=f"notification {notification_id} left for the periodic sweep",
    )


def _claimable() -> Q:
    stale = timezone.now() - settings.NOTIFICATION_STALE_CLAIM
    return Q(email_status=EmailStatus.PENDING) | Q(
        email_status=EmailStatus.SENDING, email_claimed_at__lt=stale
    )


def deliver_email(notification_id: int) -> bool:
    """Send one notification's e-mail unless it is sent or being sent. Returns whether it sent.

    The row is claimed with a conditional update first, so two workers (or a task
    and the sweep) never both send it. Raises on a mail server error after putting
    the row back to pending, so the caller may retry."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(_claimable())
        .update(
            email_status=EmailStatus.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1
        )
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
        headers={"X-Portal-Notification": str(notification.pk)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    try:
        message.send()
    except Exception as error:
        failed = notification.email_attempts >= MAX_EMAIL_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            email_status=EmailStatus.FAILED if failed else EmailStatus.PENDING,
            email_claimed_at=None,
            last_error=repr(error)[:2000],
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=EmailStatus.SENT, emailed_at=timezone.now(), last_error=""
    )
    return True


def deliver_pending(limit: int = 500) -> int:
    """Send what is still pending (or was claimed by a worker that died). Returns how many were sent."""
    ids = list(
        Notification.objects.filter(_claimable()).order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for notification_id in ids:
        try:
            sent += deliver_email(notification_id)
        except Exception:  # one bad address or a mail server hiccup must not stop the sweep
            logger.exception("e-mail of notification %s failed; it will be tried again", notification_id)
    return sent


def mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
