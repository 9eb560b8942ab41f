"""Erasing people of the demo programme, whose figures are the programme's published ones,
leaves every headline figure, `manage.py stats --json` and the programme's counters as they were."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Count, Q

from assessments.models import OPEN_STATUSES, AssessmentStatus
from managers import services as manager_services
from managers.models import Manager, ManagerStatus, protected_storage
from programme.home import demo as home_demo
from programme.home import privacy
from programme.home.queries import headline_figures
from programme.models import AuditEntry, Programme, User
from programme.privacy import is_erased
from programme.roles import Role
from tests.factories import StaffFactory
from tests.home.privacy_fixtures import english  # noqa: F401

pytestmark = pytest.mark.django_db


def stats_json() -> dict:
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    return json.loads(out.getvalue())


def counters(programme: Programme) -> dict:
    return Programme.objects.values("enrolled_count", "committed_projects", "committed_amount").get(
        pk=programme.pk
    )


def test_erasing_demo_people_keeps_the_published_figures(django_capture_on_commit_callbacks):
    context = home_demo.rebuild()
    programme = context.programme
    # A manager whose assessments are all completed and who facilitates a project leaves
    # the pool first (the rule for erasure); that is the flow, not the erasure.
    leaving = (
        Manager.objects.filter(programme=programme, status=ManagerStatus.SELECTED, open_assessments=0)
        .annotate(
            done=Count("assessments", filter=Q(assessments__status=AssessmentStatus.COMPLETED)),
            open=Count("assessments", filter=Q(assessments__status__in=OPEN_STATUSES)),
            facilitated=Count("projects"),
        )
        .filter(done__gt=0, open=0, facilitated__gt=0)
        .order_by("pk")
        .first()
    )
    assert leaving is not None and leaving.cv
    manager_services.manager_leave(manager=leaving, by=leaving.user, reason="")
    not_selected = Manager.objects.filter(programme=programme, status=ManagerStatus.NOT_SELECTED).order_by(
        "pk"
    )[0]
    people = [
        context.accounts[Role.SME_MEMBER],
        context.accounts[Role.STAFF],
        context.accounts[Role.ADMINISTRATOR],
        leaving.user,
        not_selected.user,
    ]
    figures, stats, held, audit_rows = (
        headline_figures(programme),
        stats_json(),
        counters(programme),
        AuditEntry.objects.count(),
    )
    assert figures["assessments_completed"] == 84 and figures["projects_started"] == 10

    by = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            privacy.person_erase(user=person, by=by, reason="Richiesta dell'interessato")

    assert headline_figures(programme) == figures
    assert stats_json() == stats
    assert counters(programme) == held
    assert AuditEntry.objects.count() == audit_rows + len(people)
    assert all(is_erased(User.objects.get(pk=person.pk)) for person in people)
    assert not protected_storage().exists(leaving.cv.name)


def test_the_demo_manager_with_open_assessments_is_refused(django_capture_on_commit_callbacks):
    context = home_demo.rebuild()
    manager_user = context.accounts[Role.MANAGER]
    with pytest.raises(ValidationError) as refused:
        privacy.person_erase(user=manager_user, by=StaffFactory(), reason="Richiesta")
    assert any(
        "manager pool" in message or "open assessment" in message for message in refused.value.messages
    )
    assert not is_erased(User.objects.get(pk=manager_user.pk))
