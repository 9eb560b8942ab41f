"""Celery tasks of the top of the house: thin wrappers over its services."""

from celery import shared_task

from programme.home import retention


@shared_task(acks_late=True)
def apply_retention_rules() -> dict[str, int]:
    """Nightly: erase applicants' personal data and accounts past the programme's keeping
    (idempotent: what is erased is never found again)."""
    return retention.retention_apply()
