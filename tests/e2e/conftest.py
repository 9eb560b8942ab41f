"""The browser journeys' machinery: the portal on a live server, a real Celery worker in a
subprocess on the same test database and broker queue, e-mails written to a folder that both
processes share, headless Chromium from Debian driven by Playwright, and a `Journey` that checks
every page it visits (axe-core, 375 px width, console and CSP errors) and keeps a screenshot of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.e2e.journey import CHROMIUM, Journey, JourneyRecord

BASE_DIR = Path(__file__).resolve().parents[2]
# How long the worker may take to come up; it goes on as soon as it says it is ready.
WORKER_START_TIMEOUT_SECONDS = 60

RECORDS: list[JourneyRecord] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: a browser journey (run apart from the parallel suite, with -n 0)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not RECORDS:
        return
    terminalreporter.section("browser journeys")
    for record in RECORDS:
        terminalreporter.write_line(record.summary())
    pages = {page for record in RECORDS for page in record.pages}
    steps = sum(len(record.steps) for record in RECORDS)
    terminalreporter.write_line(f"{len(RECORDS)} journeys, {steps} steps, {len(pages)} distinct pages")


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-mail")


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, live_server, mail_dir: Path, tmp_path_factory
) -> Iterator[subprocess.Popen]:
    """A real worker process consuming this test run's queue, on the test database."""
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.worker_settings",
        # The worker takes the same Redis database and queue as this test process.
        "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "gw0"),
        "E2E_DATABASE_NAME": database_name,
        "E2E_MAIL_DIR": str(mail_dir),
        "E2E_PROTECTED_MEDIA_ROOT": str(django_settings.PROTECTED_MEDIA_ROOT),
        "E2E_SITE_URL": live_server.url,
    }
    log_path = tmp_path_factory.mktemp("e2e-worker") / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "tests.e2e.worker_app", "worker",
        "--pool", "solo", "--loglevel", "INFO",
        "--queues", f"{django_settings.CELERY_TASK_DEFAULT_QUEUE},{django_settings.CELERY_MATCHING_QUEUE}",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (a fixed command, no outside input)
        command,
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()

    def read_output() -> None:
        # Keeps the pipe drained for the worker's whole life, and says when it is ready.
        with open(log_path, "w") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if " ready." in line:
                    ready.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        if not ready.wait(WORKER_START_TIMEOUT_SECONDS):
            raise RuntimeError(f"the Celery worker did not start:\n{log_path.read_text()[-4000:]}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, where the tests also use the ORM
    # (factories, services): Django's guard against the ORM in async code does not apply here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--lang=en-US"]
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def portal(live_server, celery_worker_process, mail_dir: Path, settings):
    """The running portal: its address, and e-mails into the shared folder (emptied for each test)."""
    for path in mail_dir.iterdir():
        path.unlink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def journey_factory(browser, portal, request) -> Iterator:
    """Opens a journey (a browser context of its own) by name; closes them all at the end."""
    journeys: list[Journey] = []

    def open_journey(name: str, *, person: str = "") -> Journey:
        folder = BASE_DIR / "var" / "e2e-screenshots" / name
        if not journeys:
            shutil.rmtree(folder, ignore_errors=True)
        journey = Journey(browser=browser, base_url=portal.url, name=name, folder=folder, person=person)
        journeys.append(journey)
        return journey

    yield open_journey
    for journey in journeys:
        journey.close()
        RECORDS.append(journey.record)
