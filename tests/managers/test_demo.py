"""The pool's demo data: 112 realistic managers, all reviewed, 105 selected, the same every time."""

import io
import random

import pytest
from django.contrib.auth.hashers import make_password
from pypdf import PdfReader

from managers import demo
from managers.models import Manager, ManagerStatus, MeritReview
from managers.queries import headline_figures, missing_for_application
from programme import demo as programme_demo
from programme.home.demo import DEMO_SEED, DemoContext
from programme.reference import AssessmentArea
from programme.roles import Role

pytestmark = pytest.mark.django_db


def build() -> DemoContext:
    programme_demo.delete()
    password_hash = make_password(programme_demo.DEMO_PASSWORD)
    context = DemoContext(
        programme=programme_demo.create_programme(),
        random=random.Random(DEMO_SEED),
        password_hash=password_hash,
        accounts=programme_demo.create_accounts(password_hash),
    )
    demo.create(context)
    return context


def signature(programme) -> list[tuple]:
    return list(
        Manager.objects.filter(programme=programme)
        .order_by("user__email")
        .values_list("user__email", "status", "merit_score", "city", "capacity", "years_of_experience")
    )


def test_the_demo_pool_has_112_managers_105_selected_all_reviewed_by_the_staff_persona():
    context = build()
    programme = context.programme
    managers = Manager.objects.filter(programme=programme)
    assert managers.count() == 112
    assert managers.filter(status=ManagerStatus.SELECTED).count() == 105
    assert managers.filter(status=ManagerStatus.NOT_SELECTED).exclude(decision_reason="").count() == 7
    assert headline_figures(programme) == {"managers_selected": 105}
    staff = context.accounts[Role.STAFF]
    assert MeritReview.objects.filter(manager__programme=programme, reviewer=staff).count() == 112
    persona = managers.get(user=context.accounts[Role.MANAGER])
    assert persona.status == ManagerStatus.SELECTED
    assert all(email.endswith("@demo.example") for email in managers.values_list("user__email", flat=True))


def test_every_demo_profile_is_complete_with_a_readable_cv():
    context = build()
    managers = Manager.objects.filter(programme=context.programme).prefetch_related(
        "sector_experiences", "competences"
    )
    for manager in managers:
        assert missing_for_application(manager) == [], manager
        assert {rating.area for rating in manager.competences.all()} == set(AssessmentArea.values)
    sample = managers.first()
    with sample.cv.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert sample.user.last_name in reader.pages[0].extract_text()


def test_the_demo_pool_is_varied_across_provinces_careers_and_scores():
    context = build()
    managers = Manager.objects.filter(programme=context.programme)
    assert len(set(managers.values_list("home_province", flat=True))) >= 8
    assert len(set(managers.values_list("merit_score", flat=True))) >= 20
    assert len({tuple(roles) for roles in managers.values_list("roles_held", flat=True)}) >= 20
    not_selected = managers.filter(status=ManagerStatus.NOT_SELECTED).values_list("merit_score", flat=True)
    selected = managers.filter(status=ManagerStatus.SELECTED).values_list("merit_score", flat=True)
    assert max(not_selected) < sorted(selected)[len(selected) // 2]


def test_the_demo_pool_is_the_same_every_time():
    first = signature(build().programme)
    assert signature(build().programme) == first
