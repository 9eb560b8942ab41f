"""Celery tasks of the SME app: thin wrappers over its services."""

from celery import shared_task

from smes import retention


@shared_task(acks_late=True)
def apply_retention_rules() -> int:
    """Nightly: erase applicants' personal data past the programme's keeping (idempotent)."""
    return retention.retention_apply()
