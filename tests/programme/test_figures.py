"""The programme's figures kept between changes: the change mark and the cache."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from programme import audit, figures
from programme.models import AuditEntry
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

# Keys far above any the sequence gives in a test database, so that entries can be written
# in any order of key, as concurrent transactions commit them.
HIGH = 50_000_000


def entry(programme, key: int | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        pk=key,
        programme=programme,
        content_type=ContentType.objects.get_for_model(programme),
        object_id=str(programme.pk),
        action="changed",
    )


def test_the_mark_changes_with_every_change_of_the_programme(programme, staff_user):
    marks = {figures.change_mark(programme)}
    for _ in range(3):
        audit.record(obj=programme, actor=staff_user, action="changed", programme=programme)
        marks.add(figures.change_mark(programme))
    assert len(marks) == 4
    assert figures.change_mark(programme) == figures.change_mark(programme)


def test_an_entry_committed_late_with_a_smaller_key_changes_the_mark(programme):
    entry(programme, HIGH + 10)
    entry(programme, HIGH + 12)
    before = figures.change_mark(programme)
    # A transaction that took its key before the latest one's and committed after it.
    entry(programme, HIGH + 11)
    assert figures.change_mark(programme) != before


def test_the_mark_counts_the_window_before_the_latest_entry(programme):
    # The window before the latest one still counts: an entry committed late just below a
    # window's boundary changes the mark too.
    boundary = HIGH + 10 * figures.MARK_WINDOW
    entry(programme, boundary + 5)
    before = figures.change_mark(programme)
    entry(programme, boundary - 5)
    assert figures.change_mark(programme) != before


def test_other_programmes_and_sign_ins_leave_the_mark_alone(programme, staff_user):
    before = figures.change_mark(programme)
    entry(ProgrammeFactory(is_current=False))
    audit.record_sign_in(request=None, user=staff_user)
    assert figures.change_mark(programme) == before


def test_the_mark_reads_one_query_whatever_the_trail(programme, django_assert_num_queries):
    AuditEntry.objects.bulk_create(
        AuditEntry(
            programme=programme,
            content_type=ContentType.objects.get_for_model(programme),
            object_id=str(programme.pk),
            action="changed",
        )
        for _ in range(3 * figures.MARK_WINDOW)
    )
    with django_assert_num_queries(1):
        mark = figures.change_mark(programme)
    _window, count = mark.split(".")
    # The latest window and the one before it, at most.
    assert int(count) <= 2 * figures.MARK_WINDOW


def test_kept_figures_are_computed_once_per_change_day_and_language(programme, staff_user):
    computed = []

    def compute() -> int:
        computed.append(translation.get_language())
        return len(computed)

    today = datetime.date(2026, 3, 2)
    with translation.override("it"):
        assert figures.kept(programme, "test", compute, today=today) == 1
        assert figures.kept(programme, "test", compute, today=today) == 1
        assert figures.kept(programme, "test", compute, today=today + datetime.timedelta(days=1)) == 2
    with translation.override("en"):
        assert figures.kept(programme, "test", compute, today=today) == 3
    audit.record(obj=programme, actor=staff_user, action="changed", programme=programme)
    with translation.override("it"):
        assert figures.kept(programme, "test", compute, today=today) == 4
        assert figures.kept(programme, "other", compute, today=today) == 5
    assert computed == ["it", "it", "en", "it", "it"]


def test_figures_computed_across_a_change_are_marked_as_before_it(programme, staff_user):
    today = datetime.date(2026, 3, 2)

    def compute_while_changed() -> str:
        audit.record(obj=programme, actor=staff_user, action="changed", programme=programme)
        return "figures"

    snapshot = figures.keep_latest(programme, "test", compute_while_changed, today=today)
    assert snapshot.mark != figures.change_mark(programme)
    asked = []
    latest, updating = figures.kept_while_refreshed(
        programme, "test", lambda: "new", today=today, refresh=lambda: asked.append(True)
    )
    assert (latest.value, updating) == ("figures", True)
