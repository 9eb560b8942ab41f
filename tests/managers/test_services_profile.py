"""Joining: the profile saved as a draft, the CV, and the application submitted when complete."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from stdnum import luhn

from managers import services
from managers.models import Manager, ManagerStatus, SectorExperience
from managers.queries import missing_for_application
from programme.models import AuditEntry, Notification
from programme.reference import AssessmentArea
from tests.factories import ManagerFactory, ManagerUserFactory, SmeMemberFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def vat(base: str) -> str:
    return base + luhn.calc_check_digit(base)


FULL_DETAILS = {
    "phone": "+39 333 1234567",
    "city": "Bergamo",
    "home_province": "BG",
    "employment_situation": "in_transition",
    "years_of_experience": 22,
    "roles_held": ["chief_executive", "finance"],
    "career_summary": "CFO e poi amministratore delegato in un gruppo della gomma-plastica.",
    "languages": ["it", "en", "de"],
    "provinces": ["BG", "BS"],
    "capacity": 3,
    "declared_vat_numbers": ["IT " + vat("0123456015")],
}


def save(programme, user, details=None, sectors=None, competences=None):
    import datetime

    return services.profile_save(
        programme=programme,
        by=user,
        details={**FULL_DETAILS, "available_from": datetime.date(2026, 3, 1), **(details or {})},
        first_name="Giorgio",
        last_name="Brambilla",
        sectors=sectors if sectors is not None else [services.SectorRow("C", "22", 15)],
        competences=competences if competences is not None else dict.fromkeys(AssessmentArea.values, 2),
    )


def upload(programme, user, content: bytes, name: str = "cv.pdf"):
    return services.cv_upload(
        programme=programme, by=user, file=io.BytesIO(content), size=len(content), name=name
    )


def test_the_first_save_creates_a_draft_and_normalises_the_vat_numbers(programme):
    user = ManagerUserFactory(language="en")
    manager = save(programme, user)
    assert manager.status == ManagerStatus.DRAFT
    assert manager.declared_vat_numbers == [vat("0123456015")]
    assert list(manager.sector_experiences.values_list("section", "division", "years")) == [("C", "22", 15)]
    assert manager.competences.count() == 10
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Giorgio", "Brambilla")


def test_saving_again_replaces_sectors_and_competences(programme):
    user = ManagerUserFactory(language="en")
    save(programme, user)
    manager = save(
        programme,
        user,
        sectors=[services.SectorRow("C", "", 8), services.SectorRow("G", "46", 4)],
        competences={"finance_control": 5},
    )
    assert Manager.objects.filter(user=user).count() == 1
    assert SectorExperience.objects.filter(manager=manager).count() == 2
    assert list(manager.competences.values_list("area", "level")) == [("finance_control", 5)]


@pytest.mark.parametrize(
    ("details", "sectors", "field"),
    [
        ({"declared_vat_numbers": ["12345678901"]}, None, "declared_vat_numbers"),
        ({"capacity": 4}, None, "capacity"),
        ({}, [services.SectorRow("Z", "", 3)], "sectors"),
        ({}, [services.SectorRow("C", "46", 3)], "sectors"),
        ({}, [services.SectorRow("C", "", 3), services.SectorRow("C", "", 5)], "sectors"),
    ],
    ids=["bad vat", "capacity 4", "unknown section", "division of another section", "twice"],
)
def test_a_bad_profile_is_refused_next_to_its_field_and_nothing_is_saved(programme, details, sectors, field):
    user = ManagerUserFactory(language="en")
    with pytest.raises(ValidationError) as refused:
        save(programme, user, details=details, sectors=sectors)
    assert field in refused.value.message_dict
    assert not Manager.objects.filter(user=user).exists()


def test_capacity_cannot_drop_below_the_smes_followed_now(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, capacity=3)
    Manager.objects.filter(pk=manager.pk).update(open_assessments=2)
    with pytest.raises(ValidationError) as refused:
        save(programme, manager.user, details={"capacity": 1})
    assert "capacity" in refused.value.message_dict
    manager.refresh_from_db()
    assert manager.capacity == 3


def test_only_managers_keep_a_profile_and_not_after_leaving(programme):
    with pytest.raises(PermissionDenied):
        save(programme, SmeMemberFactory())
    gone = ManagerFactory(programme=programme, status=ManagerStatus.LEFT)
    with pytest.raises(PermissionDenied):
        save(programme, gone.user, details={"phone": "000"})
    gone.refresh_from_db()
    assert gone.phone != "000"


def test_a_real_pdf_is_stored_under_a_generated_name_outside_public_media(programme, settings):
    user = ManagerUserFactory(language="en")
    manager = upload(programme, user, pdf_bytes(), name="../../etc/passwd.pdf")
    assert manager.cv.name.startswith(f"cv/{programme.pk}/")
    assert "passwd" not in manager.cv.name
    assert manager.cv.path.startswith(str(settings.PROTECTED_MEDIA_ROOT))
    assert manager.cv_original_name == "../../etc/passwd.pdf"
    with manager.cv.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_a_new_cv_replaces_the_old_file_after_commit(programme, django_capture_on_commit_callbacks):
    user = ManagerUserFactory(language="en")
    first = upload(programme, user, pdf_bytes())
    old_path = first.cv.path
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(programme, user, pdf_bytes(pages=2))
    assert second.cv.path != old_path
    import os

    assert not os.path.exists(old_path)
    assert os.path.exists(second.cv.path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "not a PDF"),
        (b"%PDF-1.4 broken", "damaged"),
    ],
)
def test_a_bad_cv_is_refused_with_a_message_and_nothing_is_stored(programme, content, message):
    user = ManagerUserFactory(language="en")
    with pytest.raises(ValidationError) as refused:
        upload(programme, user, content)
    assert message in refused.value.message_dict["cv"][0]
    assert not Manager.objects.filter(user=user).exists()


def test_the_application_needs_a_complete_profile_and_the_declaration(programme):
    user = ManagerUserFactory(language="en")
    manager = save(programme, user, details={"phone": ""})
    with pytest.raises(ValidationError) as refused:
        services.manager_apply(manager=manager, by=user, truthful_declaration=True)
    missing = refused.value.messages
    assert "your telephone number" in missing
    assert "your CV as a PDF" in missing
    with pytest.raises(ValidationError):
        services.manager_apply(manager=manager, by=user, truthful_declaration=False)
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.DRAFT


def test_a_complete_application_is_submitted_audited_and_acknowledged(programme):
    user = ManagerUserFactory(language="en")
    save(programme, user)
    manager = upload(programme, user, pdf_bytes())
    assert missing_for_application(Manager.objects.get(pk=manager.pk)) == []
    services.manager_apply(manager=manager, by=user, truthful_declaration=True)
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.APPLIED
    assert manager.applied_at is not None
    entry = AuditEntry.objects.get(action="applied")
    assert (entry.actor, entry.from_status, entry.to_status) == (user, "draft", "applied")
    notice = Notification.objects.get(recipient=user)
    assert notice.event == "manager_application_received"
    assert programme.name in notice.body_text


def test_nobody_submits_another_managers_application(programme):
    user = ManagerUserFactory(language="en")
    save(programme, user)
    manager = upload(programme, user, pdf_bytes())
    with pytest.raises(PermissionDenied):
        services.manager_apply(
            manager=manager, by=ManagerUserFactory(language="en"), truthful_declaration=True
        )


def test_an_application_is_submitted_once(programme):
    manager = ManagerFactory(programme=programme)
    with pytest.raises(PermissionDenied):
        services.manager_apply(manager=manager, by=manager.user, truthful_declaration=True)


def test_a_submitted_profile_may_change_but_not_become_incomplete(programme):
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)
    save(programme, manager.user, details={"city": "Brescia"})
    manager.refresh_from_db()
    assert manager.city == "Brescia"
    with pytest.raises(ValidationError) as refused:
        save(programme, manager.user, details={"phone": ""}, sectors=[])
    assert "your telephone number" in refused.value.messages
    manager.refresh_from_db()
    assert manager.phone == FULL_DETAILS["phone"]
    assert manager.sector_experiences.count() == 1
