"""The Celery app of the journeys' worker: the portal's own, with one addition. Between two
journeys the test database is emptied and Django writes its content types again, under new
ids; the worker lives through all the journeys, so it forgets the ids it cached before each task."""

from celery.signals import task_prerun

from programme.celery import app

__all__ = ["app"]


@task_prerun.connect
def forget_cached_content_types(**kwargs) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
