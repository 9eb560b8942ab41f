"""Celery beat tasks of the assessment's deadline: thin wrappers over the services."""

from celery import shared_task

from assessments.review import services


@shared_task(acks_late=True)
def remind_overdue_assessments() -> int:
    """Periodic: remind each manager, once, of an assessment past its deadline."""
    return services.overdue_reminders_send()


@shared_task(acks_late=True)
def send_overdue_digest() -> int:
    """Periodic: the weekly digest of overdue assessments for staff, once per ISO week."""
    return services.overdue_digest_send()
