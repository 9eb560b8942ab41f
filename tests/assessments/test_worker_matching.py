"""A matching run end to end through a real Celery worker, on the real broker and the
test database: staff start it on the page, the worker claims and computes it."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.urls import reverse

from assessments.models import MatchingRun, RunStatus
from programme.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)

# How long the test waits for the worker at most; it goes on as soon as the task ends.
WORKER_TIMEOUT_SECONDS = 60


@pytest.fixture
def worker():
    """A worker consuming this test run's queue in a thread of this process."""
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_a_run_goes_through_a_real_worker_with_its_stages_recorded(staff_client, pool, worker):
    finished = threading.Event()

    def on_task_end(sender=None, **kwargs) -> None:
        if sender is not None and sender.name == "assessments.tasks.run_matching":
            finished.set()

    task_postrun.connect(on_task_end, weak=False)
    try:
        response = staff_client.post(reverse("assessments:matching_start"))
        assert response.status_code == 302
        assert finished.wait(WORKER_TIMEOUT_SECONDS), "the worker did not finish the run"
    finally:
        task_postrun.disconnect(on_task_end)

    run = MatchingRun.objects.get()
    assert run.status == RunStatus.PROPOSED
    assert [item["stage"] for item in run.stages] == ["loading", "scoring", "solving", "saving", "done"]
    assert run.started_at is not None and run.heartbeat_at is not None
    assert run.proposals.count() == 2
    page = staff_client.get(reverse("assessments:run", args=[run.pk])).content.decode()
    assert pool.milan.company.legal_name in page
