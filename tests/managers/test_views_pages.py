"""The pages as each persona uses them: the profile in sections, the CV, submitting,
leaving, unavailability; staff's ranking, review, decisions and the competence database."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from managers.checks import CV_MAX_BYTES
from managers.models import CompetenceRating, Manager, ManagerStatus, MeritReview, UnavailabilityPeriod
from programme.models import Notification
from programme.reference import AssessmentArea
from tests.factories import ManagerFactory, ManagerUserFactory, StaffFactory, pdf_bytes, review

pytestmark = pytest.mark.django_db


def profile_post(**overrides):
    data = {
        "first_name": "Lucia",
        "last_name": "Galli",
        "phone": "+39 035 123456",
        "city": "Lecco",
        "home_province": "LC",
        "linkedin_url": "",
        "aldai_number": "A-12345",
        "employment_situation": "looking",
        "years_of_experience": "20",
        "roles_held": ["operations", "quality"],
        "career_summary": "Direttrice qualità in un'azienda di componentistica.",
        "languages": ["it", "en"],
        "provinces": ["LC", "CO", "MB"],
        "capacity": "2",
        "available_from": "2026-04-01",
        "availability_notes": "Tre giorni a settimana",
        "declared_vat_numbers": "IT00743110157",
        "sectors-TOTAL_FORMS": "2",
        "sectors-INITIAL_FORMS": "0",
        "sectors-MIN_NUM_FORMS": "0",
        "sectors-MAX_NUM_FORMS": "20",
        "sectors-0-section": "C",
        "sectors-0-division": "25",
        "sectors-0-years": "14",
        "sectors-1-section": "",
        "sectors-1-division": "",
        "sectors-1-years": "",
    }
    data.update({f"competence_{area}": "3" for area in AssessmentArea.values})
    data.update(overrides)
    return data


def test_a_manager_fills_the_profile_uploads_the_cv_and_submits(manager_client, manager_user, programme):
    response = manager_client.post(reverse("managers:profile_edit"), profile_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    manager = Manager.objects.get(user=manager_user)
    assert manager.status == ManagerStatus.DRAFT
    assert manager.declared_vat_numbers == ["00743110157"]
    assert manager.provinces == ["LC", "CO", "MB"]
    assert list(manager.sector_experiences.values_list("section", "division", "years")) == [("C", "25", 14)]
    page = manager_client.get(reverse("managers:profile")).content.decode()
    assert "your CV as a PDF" in page

    upload = SimpleUploadedFile("Curriculum Galli.pdf", pdf_bytes(), content_type="application/pdf")
    response = manager_client.post(reverse("managers:cv_upload"), {"cv": upload})
    assert response.status_code == 302

    page = manager_client.get(reverse("managers:profile")).content.decode()
    assert reverse("managers:submit") in page
    response = manager_client.post(reverse("managers:submit"), {})
    assert response.status_code == 200
    assert "Confirm that what you declared is true" in response.content.decode()
    response = manager_client.post(reverse("managers:submit"), {"truthful_declaration": "on"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.APPLIED
    home = manager_client.get(reverse("home:manager"))
    assert home.context["manager"].status == ManagerStatus.APPLIED
    assert reverse("managers:profile") in home.content.decode()


def test_a_draft_saves_with_most_fields_empty(manager_client, manager_user, programme):
    data = {key: value for key, value in profile_post().items() if key.startswith("sectors-")}
    data.update(
        {
            "first_name": "Lucia",
            "last_name": "Galli",
            "capacity": "1",
            "sectors-0-section": "",
            "sectors-0-division": "",
            "sectors-0-years": "",
        }
    )
    response = manager_client.post(reverse("managers:profile_edit"), data)
    assert response.status_code == 302
    assert Manager.objects.get(user=manager_user).status == ManagerStatus.DRAFT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"declared_vat_numbers": "12345678901"}, "not valid Italian VAT numbers"),
        ({"sectors-0-division": "46"}, "not part of the chosen section"),
        ({"sectors-0-years": ""}, "Give the years"),
        ({"capacity": "5"}, "capacity"),
    ],
)
def test_profile_errors_are_shown_next_to_the_field(
    manager_client, manager_user, programme, overrides, message
):
    response = manager_client.post(reverse("managers:profile_edit"), profile_post(**overrides))
    assert response.status_code == 200
    # Django's own messages come in the persona's language (Italian): the field name is checked for those.
    form, sector_forms = response.context["form"], response.context["sector_forms"]
    errors = str(form.errors) + str(sector_forms.errors)
    assert message in errors
    assert not Manager.objects.filter(user=manager_user).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "cv.pdf",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "not a PDF, whatever its name says",
        ),
        ("cv.pdf", b"", "The file is empty"),
        ("cv.pdf", b"%PDF-1.7\n" + b"0" * (CV_MAX_BYTES + 10), "larger than 5 MB"),
        ("cv.pdf", b"%PDF-1.7 broken", "damaged"),
    ],
    ids=["html named pdf", "empty", "oversized", "damaged"],
)
def test_a_bad_cv_is_refused_with_a_clear_message(
    manager_client, manager_user, programme, name, content, message
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = manager_client.post(reverse("managers:cv_upload"), {"cv": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Manager.objects.filter(user=manager_user).exclude(cv="").exists()


def test_the_cv_is_served_as_an_attachment_that_is_never_sniffed(
    manager_client, staff_client, programme, manager_user
):
    manager = ManagerFactory(programme=programme, user=manager_user)
    for client in (manager_client, staff_client):
        response = client.get(reverse("managers:cv_download", args=[manager.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_manager_without_a_cv_has_nothing_to_download(manager_client, programme, manager_user):
    manager = ManagerFactory(programme=programme, user=manager_user, with_cv=False)
    assert manager_client.get(reverse("managers:cv_download", args=[manager.pk])).status_code == 404


def test_the_cv_is_not_reachable_by_any_public_address(programme, settings, persona_clients):
    manager = ManagerFactory(programme=programme)
    assert manager.cv.path.startswith(str(settings.PROTECTED_MEDIA_ROOT))
    assert not manager.cv.path.startswith(str(settings.STATIC_ROOT))
    for guess in (f"/{manager.cv.name}", f"/media/{manager.cv.name}", f"/static/{manager.cv.name}"):
        assert persona_clients["staff"].get(guess).status_code == 404


def test_staff_review_then_select_from_the_detail_page(staff_client, programme):
    manager = ManagerFactory(programme=programme)
    url = reverse("managers:detail", args=[manager.pk])
    page = staff_client.get(url).content.decode()
    assert "Your review" in page
    response = staff_client.post(
        reverse("managers:review", args=[manager.pk]),
        {
            "experience": "4",
            "competence_relevance": "4",
            "digital_skills": "4",
            "interview": "4",
            "references": "4",
            "interview_notes": "Solido",
        },
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert str(manager.merit_score) == "4.00"
    response = staff_client.post(
        reverse("managers:decide", args=[manager.pk]), {"decision": "select", "reason": ""}
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.SELECTED
    assert Notification.objects.filter(recipient=manager.user, event="manager_selected").exists()


def test_a_review_with_a_missing_score_is_shown_again_with_the_error(staff_client, programme):
    manager = ManagerFactory(programme=programme)
    response = staff_client.post(reverse("managers:review", args=[manager.pk]), {"experience": "4"})
    assert response.status_code == 400
    assert set(response.context["review_form"].errors) == {
        "competence_relevance",
        "digital_skills",
        "interview",
        "references",
    }
    assert "is-invalid" in response.content.decode()
    assert not MeritReview.objects.exists()


def test_not_selecting_without_a_reason_is_refused_on_the_page(staff_client, staff_user, programme):
    manager = ManagerFactory(programme=programme)
    review(manager, staff_user)
    response = staff_client.post(
        reverse("managers:decide", args=[manager.pk]), {"decision": "not_select", "reason": ""}
    )
    assert response.status_code == 400
    assert "Tell the manager why" in response.content.decode()
    manager.refresh_from_db()
    assert manager.status == ManagerStatus.APPLIED


def test_the_manager_reads_the_reason_on_their_home(manager_client, manager_user, staff_user, programme):
    manager = ManagerFactory(programme=programme, user=manager_user)
    review(manager, staff_user)
    from managers import services

    services.manager_not_select(
        manager=manager, by=staff_user, reason="Profilo non coerente con i settori ammessi."
    )
    page = manager_client.get(reverse("home:manager")).content.decode()
    assert "Profilo non coerente con i settori ammessi." in page


def test_a_declared_conflict_hides_the_review_form(staff_client, programme):
    manager = ManagerFactory(programme=programme)
    response = staff_client.post(reverse("managers:conflict", args=[manager.pk]), {"note": "Ex collega"})
    assert response.status_code == 302
    page = staff_client.get(reverse("managers:detail", args=[manager.pk])).content.decode()
    assert "You declared a conflict of interest" in page
    assert reverse("managers:review", args=[manager.pk]) not in page


def test_a_selected_manager_leaves_through_the_page_and_staff_are_told(
    manager_client, manager_user, staff_user, programme
):
    ManagerFactory(programme=programme, user=manager_user, status=ManagerStatus.SELECTED)
    response = manager_client.post(reverse("managers:leave"), {"reason": "Nuovo lavoro"})
    assert response.status_code == 200
    assert Manager.objects.get(user=manager_user).status == ManagerStatus.SELECTED
    response = manager_client.post(reverse("managers:leave"), {"reason": "Nuovo lavoro", "confirm": "on"})
    assert response.status_code == 302
    assert Manager.objects.get(user=manager_user).status == ManagerStatus.LEFT
    assert Notification.objects.filter(recipient=staff_user, event="manager_left").exists()


def test_a_manager_adds_and_removes_an_unavailability_period(manager_client, manager_user, programme):
    manager = ManagerFactory(programme=programme, user=manager_user, status=ManagerStatus.SELECTED)
    start = timezone.localdate() + datetime.timedelta(days=3)
    response = manager_client.post(
        reverse("managers:unavailability"),
        {
            "starts_on": start.isoformat(),
            "ends_on": (start + datetime.timedelta(days=7)).isoformat(),
            "note": "Ferie",
        },
    )
    assert response.status_code == 302
    period = UnavailabilityPeriod.objects.get(manager=manager)
    home = manager_client.get(reverse("home:manager")).content.decode()
    assert "Ferie" in home
    response = manager_client.post(
        reverse("managers:unavailability"),
        {"starts_on": start.isoformat(), "ends_on": (start - datetime.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert "must end on or after" in response.content.decode()
    manager_client.post(reverse("managers:unavailability_delete", args=[period.pk]))
    assert not UnavailabilityPeriod.objects.exists()


def build_pool(programme, count: int, reviewer) -> list[Manager]:
    managers = []
    for index in range(count):
        manager = ManagerFactory(
            programme=programme,
            with_cv=False,
            provinces=["BG"] if index % 2 else ["MI"],
            status=ManagerStatus.SELECTED if index % 3 else ManagerStatus.APPLIED,
        )
        review(manager, reviewer, score=index % 6)
        managers.append(manager)
    return managers


# session, user, groups (role), second-factor check, current programme, the page's
# count and rows, then prefetches or annotations; the figures are the same at any size.
# The ranking reads its count and the counts by status from the kept figures (the
# programme's change mark and one cache read) instead of two aggregates.
QUERIES_RANKING = 9
QUERIES_POOL = 9
QUERIES_EXPORT = 10


@pytest.mark.parametrize("size", [3, 31])
def test_the_ranking_makes_the_same_queries_whatever_the_pool_size(
    staff_client, programme, django_assert_num_queries, size
):
    build_pool(programme, size, StaffFactory())
    url = reverse("managers:ranking") + "?stato=selected"
    staff_client.get(url)
    # The list's size comes from the counts by status, kept between changes (programme.figures).
    with django_assert_num_queries(QUERIES_RANKING):
        response = staff_client.get(url)
    assert response.status_code == 200
    selected = Manager.objects.filter(programme=programme, status=ManagerStatus.SELECTED).count()
    assert response.context["page"].paginator.count == selected == response.context["counts"]["selected"]


@pytest.mark.parametrize("size", [3, 31])
def test_the_competence_database_makes_the_same_queries_whatever_the_pool_size(
    staff_client, programme, django_assert_num_queries, size
):
    build_pool(programme, size, StaffFactory())
    url = reverse("managers:pool") + "?province=MI&area=finance_control"
    staff_client.get(url)
    with django_assert_num_queries(QUERIES_POOL):
        response = staff_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 31])
def test_the_csv_export_makes_the_same_queries_whatever_the_pool_size(
    staff_client, programme, django_assert_num_queries, size
):
    build_pool(programme, size, StaffFactory())
    url = reverse("managers:pool_export")
    with django_assert_num_queries(QUERIES_EXPORT):
        response = staff_client.get(url)
        body = b"".join(response.streaming_content).decode()
    assert len(body.strip().splitlines()) == size + 1


def test_the_ranking_lists_applicants_best_merit_first(staff_client, programme):
    staff = StaffFactory()
    low = ManagerFactory(programme=programme, with_cv=False)
    high = ManagerFactory(programme=programme, with_cv=False)
    review(low, staff, score=2)
    review(high, staff, score=5)
    page = staff_client.get(reverse("managers:ranking")).content.decode()
    assert page.index(high.user.last_name) < page.index(low.user.last_name)
    assert "mean of their reviews" in page


def test_the_competence_database_filters_by_competence_sector_province_availability_capacity_and_status(
    staff_client, programme
):
    today = timezone.localdate()
    wanted = ManagerFactory(
        programme=programme, with_cv=False, status=ManagerStatus.SELECTED, provinces=["BS"], capacity=3
    )
    CompetenceRating.objects.filter(manager=wanted, area="green_digital").update(level=5)
    busy = ManagerFactory(
        programme=programme, with_cv=False, status=ManagerStatus.SELECTED, provinces=["BS"], capacity=1
    )
    Manager.objects.filter(pk=busy.pk).update(open_assessments=1)
    away = ManagerFactory(programme=programme, with_cv=False, status=ManagerStatus.SELECTED, provinces=["BS"])
    UnavailabilityPeriod.objects.create(
        manager=away, starts_on=today, ends_on=today + datetime.timedelta(days=3)
    )
    ManagerFactory(programme=programme, with_cv=False, status=ManagerStatus.DRAFT, provinces=["BS"])

    def found(**query):
        response = staff_client.get(reverse("managers:pool"), query)
        return {manager.pk for manager in response.context["page"].object_list}

    assert found(province="BS") == {wanted.pk, busy.pk, away.pk}
    assert found(area="green_digital", minimum_level="5") == {wanted.pk}
    assert found(sector="C") == {wanted.pk, busy.pk, away.pk}
    assert found(sector="28") == {wanted.pk, busy.pk, away.pk}
    assert found(sector="46") == set()
    assert found(available_on=today.isoformat()) == {wanted.pk, busy.pk}
    assert found(minimum_capacity_left="1") == {wanted.pk, away.pk}
    assert found(status="applied") == set()
    assert found(text=wanted.user.last_name) >= {wanted.pk}


def test_the_csv_export_neutralises_formulas_typed_by_managers(staff_client, programme):
    user = ManagerUserFactory(first_name='=HYPERLINK("http://evil")', last_name="@Rossi")
    ManagerFactory(programme=programme, user=user, with_cv=False, city="-Milano", phone="+39 02 1")
    response = staff_client.get(reverse("managers:pool_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    record = rows[1]
    assert record[0] == "'@Rossi"
    assert record[1] == '\'=HYPERLINK("http://evil")'
    assert record[3] == "'+39 02 1"
    assert record[6] == "'-Milano"
