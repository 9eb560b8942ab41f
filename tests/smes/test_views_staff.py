"""Staff's list (filters, search, sorting, pages, CSV) and an application's page with its actions."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.models import AuditEntry, Programme
from smes.models import Application, ApplicationStatus
from tests.factories import ApplicationFactory, CompanyFactory, SmeMemberFactory

pytestmark = pytest.mark.django_db


def make(programme, count, **company):
    return [
        ApplicationFactory(
            programme=programme,
            status=ApplicationStatus.SUBMITTED,
            company=CompanyFactory(member=SmeMemberFactory(), **company),
        )
        for _ in range(count)
    ]


def listed(response):
    return [application.pk for application in response.context["page"].object_list]


def test_the_list_shows_submitted_applications_but_not_drafts(staff_client, programme, draft):
    [shown] = make(programme, 1)
    response = staff_client.get(reverse("smes:staff_list"))
    assert listed(response) == [shown.pk]
    assert response.context["counts"]["draft"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"province": "MI"}, "milan"),
        ({"sector": "J"}, "software"),
        ({"status": "eligible"}, "eligible"),
        ({"size_class": "micro"}, "micro"),
        ({"q": "Software"}, "software"),
    ],
)
def test_filters_narrow_the_list(staff_client, programme, query, expected):
    groups = {
        "milan": make(programme, 2, province="MI", municipality="Milano", municipality_code="F205"),
        "software": make(
            programme, 1, ateco_code="62.10.00", ateco_section="J", legal_name="Software Orobico S.r.l."
        ),
        "eligible": [ApplicationFactory(programme=programme, status=ApplicationStatus.ELIGIBLE)],
        "micro": [
            ApplicationFactory(programme=programme, status=ApplicationStatus.SUBMITTED, size_class="micro")
        ],
    }
    response = staff_client.get(reverse("smes:staff_list"), query)
    assert sorted(listed(response)) == sorted(application.pk for application in groups[expected])


def test_search_by_vat_number_and_by_submission_dates(staff_client, programme):
    old, recent = make(programme, 2)
    Application.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    response = staff_client.get(reverse("smes:staff_list"), {"q": "IT" + recent.company.vat_number})
    assert listed(response) == [recent.pk]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert listed(staff_client.get(reverse("smes:staff_list"), {"submitted_from": since})) == [recent.pk]
    assert listed(staff_client.get(reverse("smes:staff_list"), {"submitted_to": since})) == [old.pk]


def test_sorting_by_name_both_ways(staff_client, programme):
    applications = make(programme, 3)
    by_name = sorted(applications, key=lambda application: application.company.legal_name)
    assert listed(staff_client.get(reverse("smes:staff_list"), {"sort": "name"})) == [a.pk for a in by_name]
    assert listed(staff_client.get(reverse("smes:staff_list"), {"sort": "-name"})) == [
        a.pk for a in reversed(by_name)
    ]


def test_an_unknown_filter_value_is_dropped_not_an_error(staff_client, programme):
    make(programme, 2)
    response = staff_client.get(
        reverse("smes:staff_list"), {"status": "bogus", "sort": "evil", "submitted_from": "x"}
    )
    assert response.status_code == 200
    assert len(listed(response)) == 2


def test_the_list_pages_keep_the_filters(staff_client, programme):
    make(programme, 30, province="MI", municipality="Milano", municipality_code="F205")
    response = staff_client.get(reverse("smes:staff_list"), {"province": "MI"})
    assert len(listed(response)) == 25
    assert "province=MI&amp;page=2" in response.content.decode()
    assert len(listed(staff_client.get(reverse("smes:staff_list"), {"province": "MI", "page": 2}))) == 5


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_makes_the_same_number_of_queries_at_any_size(
    staff_client, programme, size, django_assert_num_queries
):
    make(programme, size)
    staff_client.get(reverse("smes:staff_list"))  # warm the session's second-factor bookkeeping
    with django_assert_num_queries(QUERIES_OF_THE_LIST):
        response = staff_client.get(reverse("smes:staff_list"), {"sort": "name"})
    assert response.status_code == 200


# Session, user, roles, current programme (view and idle check), list count, the page's
# keys then its rows, status counts, unread notifications, second-factor records: fixed
# whatever the size.
QUERIES_OF_THE_LIST = 9


def test_the_csv_export_neutralises_formulas_and_follows_the_filters(staff_client, programme):
    dangerous = ['=HYPERLINK("http://x")', "+39 cmd", "-2+3", "@SUM(A1)", "\tTab S.r.l.", "\rCR S.r.l."]
    for name in dangerous:
        make(programme, 1, legal_name=name, province="MI", municipality="Milano", municipality_code="F205")
    make(programme, 1, legal_name="Fuori Filtro S.r.l.")
    response = staff_client.get(reverse("smes:staff_export"), {"province": "MI"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted("'" + name for name in dangerous)
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_the_application_page_shows_the_rules_and_offers_what_the_status_allows(
    staff_client, programme, submitted
):
    page = staff_client.get(reverse("smes:staff_detail", args=[submitted.pk])).content.decode()
    assert "Small or medium enterprise (EU definition)" in page or "PMI" in page
    assert reverse("smes:staff_decide", args=[submitted.pk]) in page
    assert reverse("smes:staff_enrol", args=[submitted.pk]) not in page


def test_staff_decide_enrol_and_the_page_follows(staff_client, programme, submitted):
    response = staff_client.post(reverse("smes:staff_decide", args=[submitted.pk]), {"decision": "eligible"})
    assert response.status_code == 302
    page = staff_client.get(reverse("smes:staff_detail", args=[submitted.pk])).content.decode()
    assert reverse("smes:staff_enrol", args=[submitted.pk]) in page
    staff_client.post(reverse("smes:staff_enrol", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.ENROLLED
    assert Programme.objects.get(pk=programme.pk).enrolled_count == 1


def test_an_ineligible_decision_without_reason_is_told_beside_the_field(staff_client, submitted):
    response = staff_client.post(
        reverse("smes:staff_decide", args=[submitted.pk]), {"decision": "ineligible", "reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["decision_form"].errors
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_overruling_needs_a_written_reason(staff_client, submitted):
    results = submitted.eligibility_results
    results[2] = {**results[2], "passed": False, "reason": "sector_not_admitted"}
    Application.objects.filter(pk=submitted.pk).update(eligibility_results=results)
    response = staff_client.post(
        reverse("smes:staff_overrule", args=[submitted.pk]), {"rule": "sector", "reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["overrule_form"].errors
    response = staff_client.post(
        reverse("smes:staff_overrule", args=[submitted.pk]),
        {"rule": "sector", "reason": "Attività prevalente: 25.53."},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="rule_overruled").reason == "Attività prevalente: 25.53."
    page = staff_client.get(reverse("smes:staff_detail", args=[submitted.pk])).content.decode()
    assert "Attività prevalente: 25.53." in page


def test_staff_see_any_company_application(staff_client, other_application, submitted):
    for application in (other_application, submitted):
        page = staff_client.get(reverse("smes:staff_detail", args=[application.pk])).content.decode()
        assert application.company.legal_name in page
