"""Reads the tasks that the portal put on the real Redis broker, for this test worker's queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from programme.celery import app


@dataclass
class QueuedTask:
    name: str
    args: list
    kwargs: dict


def take(queue_name: str) -> list[QueuedTask]:
    """Remove every message from one queue and return the tasks they carry."""
    tasks = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(queue_name, no_ack=True)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                args, kwargs, _embed = message.decode()
                tasks.append(QueuedTask(name=message.headers["task"], args=list(args), kwargs=dict(kwargs)))
        finally:
            queue.close()
    return tasks


def take_all() -> list[QueuedTask]:
    """Remove every message from this worker's queues (the default one, then matching's)
    and return the tasks they carry."""
    return take(settings.CELERY_TASK_DEFAULT_QUEUE) + take(settings.CELERY_MATCHING_QUEUE)


def run_all() -> list[QueuedTask]:
    """Take the queued tasks and run each in this process, as a worker would."""
    tasks = take_all()
    for task in tasks:
        app.tasks[task.name].apply(args=task.args, kwargs=task.kwargs, throw=True)
    return tasks
