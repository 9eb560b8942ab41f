"""The assessments app's part of a person's data: kept work, without the person's name;
the manager's own reasons erased; refused while an assessment is open."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments import privacy
from assessments.models import AssessmentStatus, Finding, Visit
from programme.privacy import ERASED_TEXT
from tests.assessments.review_fixtures import full_report, make_assessment

pytestmark = pytest.mark.django_db


def test_person_data_holds_their_assessments_with_visits_findings_and_recommendations(pool):
    full_report(make_assessment(pool.milan, pool.first, AssessmentStatus.COMPLETED))
    (row,) = privacy.person_data(user=pool.first.user)["assessments_as_manager"]
    assert (len(row["visits"]), len(row["findings"]), len(row["recommendations"])) == (2, 10, 3)
    assert row["company"] == pool.milan.company.legal_name


@pytest.mark.parametrize(
    ("statuses", "message"),
    [
        ((AssessmentStatus.COMPLETED, AssessmentStatus.CANCELLED), None),
        (
            (AssessmentStatus.IN_PROGRESS,),
            "They are the manager of 1 open assessment: hand it over to another manager, or cancel it, "
            "before their data can be erased.",
        ),
        (
            (AssessmentStatus.ASSIGNED, AssessmentStatus.SUBMITTED),
            "They are the manager of 2 open assessments: hand them over to another manager, or cancel them, "
            "before their data can be erased.",
        ),
    ],
)
def test_open_assessments_refuse_the_erasure(pool, statuses, message):
    from managers.models import Manager

    Manager.objects.filter(pk=pool.first.pk).update(capacity=3)
    pool.first.refresh_from_db()
    for status, application in zip(statuses, (pool.milan, pool.bergamo), strict=False):
        make_assessment(application, pool.first, status)
    assert privacy.person_erase_refusals(user=pool.first.user) == ([message] if message else [])
    if message:
        with pytest.raises(ValidationError):
            privacy.person_erase(user=pool.first.user, by=None)


def test_person_erase_keeps_the_work_and_takes_the_name_out(pool):
    person = pool.first.user
    person.first_name, person.last_name = "Roberto", "Castelnuovo"
    person.save(update_fields=["first_name", "last_name"])
    done = full_report(make_assessment(pool.milan, pool.first, AssessmentStatus.COMPLETED))
    done.summary = "Roberto Castelnuovo ha incontrato la direzione."
    done.save(update_fields=["summary"])
    Visit.objects.filter(assessment=done).update(participants="castelnuovo roberto, il titolare")
    declined = make_assessment(
        pool.bergamo, pool.first, AssessmentStatus.DECLINED, decline_reason="Ragioni di famiglia"
    )
    levels = list(
        Finding.objects.filter(assessment=done).values_list("dimension", "current_level", "target_level")
    )
    summary = privacy.person_erase(user=person, by=None)
    done.refresh_from_db()
    declined.refresh_from_db()
    assert done.status == AssessmentStatus.COMPLETED
    assert done.summary == f"Persona cancellata #{person.pk} ha incontrato la direzione."
    assert set(Visit.objects.filter(assessment=done).values_list("participants", flat=True)) == {
        f"Persona cancellata #{person.pk}, il titolare"
    }
    assert declined.decline_reason == ERASED_TEXT
    assert (
        list(
            Finding.objects.filter(assessment=done).values_list("dimension", "current_level", "target_level")
        )
        == levels
    )
    assert summary["decline_reasons_erased"] == 1
    assert privacy.person_erase(user=person, by=None)["texts_scrubbed"] == 0
