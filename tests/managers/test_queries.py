"""The pool's figures and reads."""

import pytest

from managers.models import ManagerStatus
from managers.queries import headline_figures, ranking
from programme.queries import users_with_role
from programme.roles import Role
from tests.factories import ManagerFactory, ProgrammeFactory, StaffFactory, review

pytestmark = pytest.mark.django_db


def test_the_headline_figure_counts_selected_managers_not_suspended_nor_gone(programme):
    for status in ManagerStatus.values:
        ManagerFactory(programme=programme, status=status, with_cv=False, profile_rows=False)
    ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, with_cv=False, profile_rows=False)
    ManagerFactory(programme=ProgrammeFactory(is_current=False), status=ManagerStatus.SELECTED, with_cv=False)
    assert headline_figures(programme) == {"managers_selected": 2}


def test_the_ranking_puts_unreviewed_applicants_last_and_marks_my_reviews(programme):
    staff = StaffFactory()
    unreviewed = ManagerFactory(programme=programme, with_cv=False)
    good = ManagerFactory(programme=programme, with_cv=False)
    fair = ManagerFactory(programme=programme, with_cv=False)
    review(good, staff, score=5)
    review(fair, StaffFactory(), score=3)
    rows = list(ranking(programme, ManagerStatus.APPLIED, staff))
    assert [row.pk for row in rows] == [good.pk, fair.pk, unreviewed.pk]
    assert [row.reviewed_by_me for row in rows] == [True, False, False]
    assert [row.reviews_count for row in rows] == [1, 1, 0]


def test_staff_users_are_the_active_members_of_the_staff_role():
    active = StaffFactory()
    StaffFactory(is_active=False)
    assert list(users_with_role(Role.STAFF)) == [active]
