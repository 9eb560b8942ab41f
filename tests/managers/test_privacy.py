"""The manager pool's part of a person's data: profiles, CV, reviews, availability; erased
only once the manager is out of the pool, the CV deleted from storage after commit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from managers import privacy
from managers.models import Manager, ManagerStatus, ReviewConflict, UnavailabilityPeriod, protected_storage
from programme.privacy import ERASED_TEXT
from tests.factories import ManagerFactory, StaffFactory, review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def left(programme) -> Manager:
    manager = ManagerFactory(
        programme=programme,
        status=ManagerStatus.LEFT,
        career_summary="Vent'anni in stabilimento.",
        availability_notes="Solo al mattino.",
        declared_vat_numbers=["01234567890"],
    )
    UnavailabilityPeriod.objects.create(
        manager=manager, starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 5, 3), note="Ferie"
    )
    return manager


@pytest.mark.parametrize(
    ("status", "refused"),
    [
        (ManagerStatus.DRAFT, False),
        (ManagerStatus.APPLIED, True),
        (ManagerStatus.SELECTED, True),
        (ManagerStatus.SUSPENDED, True),
        (ManagerStatus.NOT_SELECTED, False),
        (ManagerStatus.LEFT, False),
    ],
)
def test_erasure_waits_until_the_manager_is_out_of_the_pool(programme, status, refused):
    manager = ManagerFactory(programme=programme, status=status)
    refusals = privacy.person_erase_refusals(user=manager.user)
    assert bool(refusals) is refused
    if refused:
        assert refusals == [
            f"They are still in the manager pool of {programme.name} ({manager.get_status_display()}): "
            "they must leave the pool, or not be selected, before their data can be erased."
        ]
        with pytest.raises(ValidationError):
            privacy.person_erase(user=manager.user, by=None)


def test_person_data_holds_the_profile_cv_metadata_and_reviews(left):
    staff = StaffFactory()
    review(left, staff)
    (profile,) = privacy.person_data(user=left.user)["profiles"]
    assert profile["cv"] == {"file_name": "curriculum.pdf", "size": left.cv_size, "uploaded_at": None}
    assert profile["unavailability"] == [
        {"from": datetime.date(2026, 5, 1), "to": datetime.date(2026, 5, 3), "note": "Ferie"}
    ]
    assert len(profile["reviews_about_them"]) == 1
    assert [row["manager"] for row in privacy.person_data(user=staff)["reviews_written"]] == [left.pk]


def test_person_erase_blanks_the_profile_and_deletes_the_cv_after_commit(
    left, django_capture_on_commit_callbacks
):
    cv = left.cv.name
    with django_capture_on_commit_callbacks(execute=True):
        summary = privacy.person_erase(user=left.user, by=None)
    left.refresh_from_db()
    assert not protected_storage().exists(cv)
    assert (left.phone, left.city, left.career_summary, left.availability_notes) == (
        "",
        "",
        ERASED_TEXT,
        ERASED_TEXT,
    )
    assert (left.cv.name, left.declared_vat_numbers, left.status) == ("", [], ManagerStatus.LEFT)
    assert left.competences.count() == 10 and left.sector_experiences.count() == 1
    assert summary["cv_files_deleted"] == 1 and summary["unavailability_deleted"] == 1


def test_a_rolled_back_erasure_keeps_the_cv(left, django_capture_on_commit_callbacks):
    cv = left.cv.name
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        privacy.person_erase(user=left.user, by=None)
        raise RuntimeError
    assert callbacks == []
    assert protected_storage().exists(cv)
    left.refresh_from_db()
    assert left.cv.name == cv


def test_reviews_about_them_keep_their_scores_and_lose_their_notes(left):
    written = review(left, StaffFactory(), score=3)
    written.references_notes = "Referenze ottime"
    written.save(update_fields=["references_notes"])
    ReviewConflict.objects.create(manager=left, reviewer=StaffFactory(), note="Cognato")
    privacy.person_erase(user=left.user, by=None)
    written.refresh_from_db()
    assert (written.references, written.references_notes, written.experience_notes) == (3, ERASED_TEXT, "")
    assert ReviewConflict.objects.get().note == ERASED_TEXT


def test_reviews_written_by_erased_staff_stay_without_their_name(programme):
    staff = StaffFactory(first_name="Elena", last_name="Marchetti")
    reviewed = ManagerFactory(programme=programme)
    written = review(reviewed, staff)
    written.interview_notes = "Colloquio condotto da Elena Marchetti: ottimo."
    written.save(update_fields=["interview_notes"])
    privacy.person_erase(user=staff, by=None)
    written.refresh_from_db()
    assert written.reviewer_id == staff.pk
    assert written.interview_notes == f"Colloquio condotto da Persona cancellata #{staff.pk}: ottimo."
