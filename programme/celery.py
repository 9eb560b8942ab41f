"""The Celery application: configured from Django's settings, tasks found in every app."""

import logging
import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "programme.settings")

app = Celery("programme")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def hand_to_worker(task: Task, *args: object, otherwise: str) -> bool:
    """Put the task on the broker for a worker. Never raises: with the broker unreachable it
    logs a warning ending with `otherwise` (what covers for the task) and returns False."""
    try:
        task.apply_async(args=list(args), retry=False)
    except Exception:  # the broker's failures are many kinds; none may fail the request
        logger.warning("broker unreachable, %s", otherwise)
        return False
    return True
