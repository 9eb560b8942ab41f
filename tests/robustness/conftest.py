"""Fixtures of the robustness tests: the small matching programme of the assessment tests,
and the world of tests/robustness/world.py, built once per module."""

import pytest
from django.db import transaction

from tests.assessments.conftest import pool  # noqa: F401 - reused as it is
from tests.robustness.world import World, build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Built once for the module inside a transaction rolled back at its end; each test
    (pytest-django's savepoint) and each example (a savepoint of its own) start from it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The fuzz tests' figure: examples tried and those that reached a form's validation,
    from the files each test process wrote under var/robustness/ during this run."""
    import json
    import time
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "robustness"
    started = getattr(config, "_robustness_started", None) or time.time() - 24 * 3600
    files = [path for path in folder.glob("fuzz-counts-*.json") if path.stat().st_mtime >= started]
    if not files:
        return
    figures = [json.loads(path.read_text()) for path in files]
    examples = sum(item["examples"] for item in figures)
    reached = sum(item["reached_validation"] for item in figures)
    forms = len({name for item in figures for name in item["forms"]})
    terminalreporter.write_line(
        f"hostile input: {examples} examples on {forms} forms, {reached} reached a form's validation"
    )


def pytest_configure(config) -> None:
    import time

    config._robustness_started = time.time()
