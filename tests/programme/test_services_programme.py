"""The programme's settings: staff change them through one service, audited, never below the counters."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from programme import services
from programme.models import AuditEntry, Programme
from programme.queries import timeline
from tests.factories import ProgrammeFactory, SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_settings_change_is_audited_with_its_actor():
    programme = ProgrammeFactory()
    staff = StaffFactory()
    services.programme_update_settings(programme=programme, changes={"assessment_quota": 120}, by=staff)
    programme.refresh_from_db()
    assert programme.assessment_quota == 120
    [entry] = timeline(programme)
    assert entry.actor == staff
    assert entry.action == "settings_changed"
    assert entry.data == {"changed": {"assessment_quota": "120"}}


def test_the_audit_trail_keeps_the_reason_of_a_change():
    from programme import audit

    programme = ProgrammeFactory()
    staff = StaffFactory()
    audit.record(
        obj=programme,
        actor=staff,
        action="status",
        from_status="open",
        to_status="running",
        reason="Quota raggiunta",
    )
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.from_status, entry.to_status, entry.reason) == (
        staff,
        "open",
        "running",
        "Quota raggiunta",
    )


def test_only_staff_change_the_settings():
    programme = ProgrammeFactory()
    with pytest.raises(PermissionDenied):
        services.programme_update_settings(
            programme=programme, changes={"assessment_quota": 1}, by=SmeMemberFactory()
        )


def test_the_quota_cannot_go_below_the_enrolled_smes():
    programme = ProgrammeFactory()
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=50)
    with pytest.raises(ValidationError) as error:
        services.programme_update_settings(
            programme=programme, changes={"assessment_quota": 40}, by=StaffFactory()
        )
    assert "assessment_quota" in error.value.error_dict
    programme.refresh_from_db()
    assert programme.assessment_quota == 100


def test_the_envelope_cannot_shrink_below_what_is_committed():
    programme = ProgrammeFactory()
    Programme.objects.filter(pk=programme.pk).update(committed_projects=3, committed_amount=Decimal("250000"))
    with pytest.raises(ValidationError) as error:
        services.programme_update_settings(
            programme=programme,
            changes={"envelope_projects": 2, "envelope_amount": Decimal("100000")},
            by=StaffFactory(),
        )
    assert set(error.value.error_dict) == {"envelope_projects", "envelope_amount"}


@pytest.mark.parametrize(
    ("update", "constraint"),
    [
        ({"enrolled_count": 101}, "programme_enrolled_within_quota"),
        ({"committed_projects": 11}, "programme_projects_within_envelope"),
        ({"committed_amount": Decimal("1000000.01")}, "programme_amount_within_envelope"),
    ],
)
def test_the_database_refuses_a_counter_past_its_limit(update, constraint):
    programme = ProgrammeFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(**update)


def test_only_one_programme_is_current():
    ProgrammeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeFactory()


def settings_form_data(programme, **overrides):
    from programme.forms import ProgrammeSettingsForm

    form = ProgrammeSettingsForm(instance=programme)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, list):
            data[name] = value
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    data.update(overrides)
    return data


def test_staff_save_the_settings_through_the_page(staff_client, programme):
    response = staff_client.post(
        reverse("programme:settings"), settings_form_data(programme, support_days="12")
    )
    assert response.status_code == 302, response.context["form"].errors
    programme.refresh_from_db()
    assert programme.support_days == 12
    page = staff_client.get(reverse("programme:settings")).content.decode()
    assert "settings_changed" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"weight_sector": "0.90"}, "weight_merit"),
        ({"merit_experience": "0.90"}, "merit_references"),
        ({"project_cost_min": "500000"}, "project_cost_max"),
        (
            {"applications_open_on": "2026-12-01", "applications_close_on": "2026-01-01"},
            "applications_close_on",
        ),
        ({"project_criteria": "[{]"}, "project_criteria"),
        (
            {"project_criteria": '[{"key": "a", "label_it": "A", "label_en": "A", "weight": 0.5}]'},
            "project_criteria",
        ),
        ({"session_idle_minutes": "1"}, "session_idle_minutes"),
        ({"minimum_fit": "1.5"}, "minimum_fit"),
        ({"admitted_sectors": ["ZZ"]}, "admitted_sectors"),
    ],
)
def test_bad_settings_are_told_next_to_their_field_and_nothing_changes(
    staff_client, programme, overrides, field
):
    response = staff_client.post(
        reverse("programme:settings"), settings_form_data(programme, support_days="12", **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    programme.refresh_from_db()
    assert programme.support_days == 10


def test_a_quota_below_the_enrolled_is_told_next_to_its_field(staff_client, programme):
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=30)
    response = staff_client.post(
        reverse("programme:settings"), settings_form_data(programme, assessment_quota="20")
    )
    assert response.status_code == 200
    assert "assessment_quota" in response.context["form"].errors
