"""Celery tasks of matching and of the managers' answers: thin wrappers over the services."""

from celery import shared_task

from assessments import services


@shared_task(acks_late=True)
def run_matching(run_id: int) -> bool:
    """Compute a matching run. The service claims the run first, so a second delivery of
    this message does nothing; a failure marks the run failed rather than retrying."""
    return services.matching_run_execute(run_id=run_id) is not None


@shared_task(acks_late=True)
def watch_matching_runs() -> int:
    """Periodic: fail runs whose worker died or that no worker took up, and hand again to
    a worker the runs that may not have reached the broker. Returns how many failed."""
    failed = services.matching_runs_watch()
    services.matching_runs_requeue()
    return failed


@shared_task(acks_late=True)
def lapse_unanswered_assessments() -> int:
    """Periodic: assessments not answered by the deadline lapse and free the manager's place."""
    return services.assessments_lapse()


@shared_task(acks_late=True)
def remind_unanswered_assessments() -> int:
    """Periodic: remind managers, once, of an assessment awaiting their answer."""
    return services.assessments_remind()


# The staff side's periodic tasks live beside their services; imported here so the worker,
# which finds tasks by app, registers them.
from assessments.review import tasks as review_tasks  # noqa: E402, F401
