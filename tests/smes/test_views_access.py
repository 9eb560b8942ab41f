"""Every SME page against every persona: members see their own company only (404 for
another's), managers and administrators get 403, anonymous users go to sign in, staff
see all. A refused POST leaves the database as it was."""

import pytest
from django.urls import reverse

from programme.models import AuditEntry, Notification, Programme
from smes.models import Application, ApplicationStatus, Company, CompanyMembership

pytestmark = pytest.mark.django_db

LOGIN = "login"
OK = 200
REDIRECT = 302
NOT_OWN = 404

SME_ONLY = {"anonymous": LOGIN, "sme_member": OK, "manager": 403, "staff": 403, "administrator": 403}
STAFF_ONLY = {"anonymous": LOGIN, "sme_member": 403, "manager": 403, "staff": OK, "administrator": 403}


def pages(own, other):
    """(url, expected answers by persona), written out by hand."""
    return [
        (reverse("smes:application_mine"), {**SME_ONLY, "sme_member": REDIRECT}),
        (reverse("smes:application_new"), {**SME_ONLY, "sme_member": REDIRECT}),  # already has one
        (reverse("smes:application_detail", args=[own.pk]), SME_ONLY),
        (reverse("smes:application_detail", args=[other.pk]), {**SME_ONLY, "sme_member": NOT_OWN}),
        (reverse("smes:application_step", args=[own.pk, "impresa"]), SME_ONLY),
        (reverse("smes:application_step", args=[own.pk, "referenti"]), SME_ONLY),
        (reverse("smes:application_step", args=[own.pk, "esigenze"]), SME_ONLY),
        (reverse("smes:application_step", args=[own.pk, "dichiarazioni"]), SME_ONLY),
        (reverse("smes:application_step", args=[other.pk, "impresa"]), {**SME_ONLY, "sme_member": NOT_OWN}),
        (reverse("smes:application_withdraw", args=[own.pk]), SME_ONLY),
        (reverse("smes:application_withdraw", args=[other.pk]), {**SME_ONLY, "sme_member": NOT_OWN}),
        (reverse("smes:company_members"), SME_ONLY),
        (reverse("smes:staff_list"), STAFF_ONLY),
        (reverse("smes:staff_export"), STAFF_ONLY),
        (reverse("smes:staff_detail", args=[own.pk]), STAFF_ONLY),
        (reverse("smes:staff_detail", args=[other.pk]), STAFF_ONLY),
        (reverse("home:sme"), SME_ONLY),
    ]


def test_every_page_answers_each_persona_by_the_refusal_rule(persona_clients, draft, other_application):
    for url, answers in pages(draft, other_application):
        for persona, expected in answers.items():
            response = persona_clients[persona].get(url)
            if expected == LOGIN:
                assert response.status_code == 302, (url, persona)
                assert response["Location"].startswith(reverse("account_login")), (url, persona)
            else:
                assert response.status_code == expected, (url, persona, response.status_code)


def snapshot():
    return (
        list(Application.objects.order_by("pk").values()),
        list(Company.objects.order_by("pk").values()),
        CompanyMembership.objects.count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
        list(Programme.objects.values_list("enrolled_count", flat=True)),
    )


def posts(own, other):
    """Every POST of the app with the data that would succeed, and who may send it."""
    step_data = {"needs": ["automation_ai"], "needs_description": "x" * 100, "preferred_period": "asap"}
    return [
        (reverse("smes:application_submit", args=[other.pk]), {}, set()),
        (reverse("smes:application_step", args=[other.pk, "esigenze"]), step_data, set()),
        (reverse("smes:application_withdraw", args=[other.pk]), {"reason": "x"}, set()),
        (
            reverse("smes:staff_decide", args=[other.pk]),
            {"decision": "ineligible", "reason": "No."},
            {"staff"},
        ),
        (reverse("smes:staff_overrule", args=[other.pk]), {"rule": "sme_size", "reason": "x"}, {"staff"}),
        (reverse("smes:staff_enrol", args=[other.pk]), {}, {"staff"}),
        (reverse("smes:staff_withdraw", args=[other.pk]), {"reason": "x"}, {"staff"}),
        (reverse("smes:staff_decide", args=[own.pk]), {"decision": "eligible", "reason": ""}, {"staff"}),
    ]


@pytest.mark.parametrize("persona", ["anonymous", "sme_member", "manager", "administrator"])
def test_a_refused_post_changes_nothing(persona_clients, draft, other_application, persona):
    client = persona_clients[persona]
    for url, data, allowed in posts(draft, other_application):
        assert persona not in allowed
        before = snapshot()
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404), (url, persona)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login")), (url, persona)
        assert snapshot() == before, (url, persona)


def test_a_submitted_application_refuses_edits_to_its_member(sme_client, submitted):
    before = snapshot()
    response = sme_client.post(
        reverse("smes:application_step", args=[submitted.pk, "esigenze"]),
        {"needs": ["automation_ai"], "needs_description": "x" * 100, "preferred_period": "asap"},
    )
    assert response.status_code == 403
    assert sme_client.post(reverse("smes:application_submit", args=[submitted.pk])).status_code == 403
    assert snapshot() == before


def test_a_withdrawn_application_cannot_be_withdrawn_again(sme_client, submitted):
    Application.objects.filter(pk=submitted.pk).update(status=ApplicationStatus.WITHDRAWN)
    assert sme_client.get(reverse("smes:application_withdraw", args=[submitted.pk])).status_code == 403
