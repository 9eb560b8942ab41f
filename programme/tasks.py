"""Celery tasks of the programme: thin wrappers that call the notification services and\ncompute the dashboard's figures."""

import datetime
from smtplib import SMTPException

from celery import shared_task

from programme import notifications


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=6,
)
def deliver_notification(notification_id: int) -> bool:
    """Send one notification's e-mail; a second run of the same id sends nothing."""
    return notifications.deliver_email(notification_id)


@shared_task(acks_late=True)
def deliver_pending_notifications() -> int:
    """Periodic sweep: send what the broker never carried or a dead worker left claimed."""
    return notifications.deliver_pending()


@shared_task(acks_late=True)
def refresh_dashboard(programme_id: int, day: str, language: str) -> None:
    """Compute the staff dashboard's figures after a change; a second run computes them
    again, which changes nothing."""
    from programme.home import queries

    queries.refresh_dashboard(
        programme_id=programme_id, today=datetime.date.fromisoformat(day), language=language
    )


@shared_task
def beat_heartbeat() -> None:
    """Periodic: beat shows it is alive, for the health endpoint."""
    from programme import health

    health.beat_heartbeat()
