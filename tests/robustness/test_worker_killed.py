"""A Celery worker killed (SIGKILL) in the middle of a matching run.

A real worker runs in a process of its own, on the real broker and this test's database
(committed data: transactional_db), as in tests/assessments/test_worker_matching.py. The
worker is told, by an environment variable only tests set, to hold the run once it reaches
the solving stage; the test kills it there. Then: nothing is confirmed, the watchdog fails
the run once its heartbeat is older than the limit (the heartbeat is moved back rather than
waited for), and staff start a new run that a fresh worker completes."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from assessments import services
from assessments.models import Assessment, MatchingRun, Proposal, RunStage, RunStatus
from assessments.tasks import watch_matching_runs

pytestmark = pytest.mark.django_db(transaction=True)

# The longest the test waits for the worker process to reach a state; it goes on as soon
# as the state is reached. A worker process takes a few seconds to start.
WORKER_TIMEOUT_SECONDS = 90
POLL_SECONDS = 0.2


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll the database until another process has done its part (there is no signal to
    wait on across processes); fail after WORKER_TIMEOUT_SECONDS."""
    pause = threading.Event()
    deadline = timezone.now() + datetime.timedelta(seconds=WORKER_TIMEOUT_SECONDS)
    while not condition():
        assert timezone.now() < deadline, f"the worker did not {what}"
        pause.wait(POLL_SECONDS)


def start_worker_process(log: Path, *, hold_at: str = "") -> subprocess.Popen:
    """A worker process on this test's queue and database (the test database's name,
    the xdist worker's queue and Redis database are those tests/settings.py derives)."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "gw0"),
    }
    env.pop(services.HOLD_AT_STAGE_VARIABLE, None)
    if hold_at:
        env[services.HOLD_AT_STAGE_VARIABLE] = hold_at
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "programme",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        # Matching runs go to a queue of their own (settings.CELERY_TASK_ROUTES).
        f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CELERY_MATCHING_QUEUE}",
        "-l",
        "INFO",
    ]
    handle = log.open("wb")
    return subprocess.Popen(  # noqa: S603 - our own command line, no shell
        command, cwd=settings.BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT
    )


@pytest.fixture
def worker_processes(tmp_path) -> Iterator[list[subprocess.Popen]]:
    """The worker processes a test starts, each stopped (by its own id) at the end."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def run_of(pk: int) -> MatchingRun:
    return MatchingRun.objects.get(pk=pk)


def test_a_worker_killed_mid_run_leaves_nothing_confirmed_and_the_run_can_start_again(
    staff_client, pool, worker_processes, tmp_path
):
    first_worker = start_worker_process(tmp_path / "worker-1.log", hold_at=RunStage.SOLVING)
    worker_processes.append(first_worker)

    assert staff_client.post(reverse("assessments:matching_start")).status_code == 302
    run = MatchingRun.objects.get()
    wait_for(lambda: run_of(run.pk).stage == RunStage.SOLVING, "reach the solving stage")

    first_worker.send_signal(signal.SIGKILL)
    assert first_worker.wait(timeout=30) == -signal.SIGKILL

    # Killed in the middle: the run is left running, with nothing proposed or confirmed.
    killed = run_of(run.pk)
    assert killed.status == RunStatus.RUNNING
    assert [item["stage"] for item in killed.stages] == [RunStage.LOADING, RunStage.SCORING, RunStage.SOLVING]
    assert not Proposal.objects.exists()
    assert not Assessment.objects.exists()

    # While its heartbeat is recent, the watchdog leaves it; once older than the limit, it fails it.
    assert watch_matching_runs.apply().get() == 0
    assert run_of(run.pk).status == RunStatus.RUNNING
    stale = timezone.now() - services.RUN_HEARTBEAT_TIMEOUT - datetime.timedelta(seconds=1)
    MatchingRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
    with translation.override("en"):
        assert watch_matching_runs.apply().get() == 1
    failed = run_of(run.pk)
    assert failed.status == RunStatus.FAILED
    assert "heartbeat" in failed.failure_reason
    page = staff_client.get(reverse("assessments:run", args=[run.pk]))
    assert page.status_code == 200
    staff_client.post(reverse("assessments:run_confirm", args=[run.pk]))
    assert run_of(run.pk).status == RunStatus.FAILED
    assert not Assessment.objects.exists()

    # Staff start again; a fresh worker completes the new run, and it can be confirmed.
    assert staff_client.post(reverse("assessments:matching_start")).status_code == 302
    again = MatchingRun.objects.exclude(pk=run.pk).get()
    worker_processes.append(start_worker_process(tmp_path / "worker-2.log"))
    wait_for(
        lambda: run_of(again.pk).status in (RunStatus.PROPOSED, RunStatus.FAILED), "complete the new run"
    )
    completed = run_of(again.pk)
    assert completed.status == RunStatus.PROPOSED, (tmp_path / "worker-2.log").read_text()[-3000:]
    assert [item["stage"] for item in completed.stages][-1] == RunStage.DONE
    assert completed.proposals.count() == 2
    assert staff_client.post(reverse("assessments:run_confirm", args=[again.pk])).status_code == 302
    assert Assessment.objects.filter(application__in=[pool.milan, pool.bergamo]).count() == 2
    # The killed run stays failed, and its proposals (none) were never confirmed.
    assert run_of(run.pk).status == RunStatus.FAILED
