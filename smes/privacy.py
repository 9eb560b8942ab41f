"""What the SME app holds about a person: the company they act for and its applications.

A company is a legal entity, not a person: its data and its applications stay whole
(the programme's figures count them, and a publicly funded programme keeps them for its
controls). What goes is the person's place in it: their membership, and their name and
contact details where the application gives them as the contact or the legal representative.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from programme import privacy
from programme.models import User
from smes.models import Application, CompanyMembership

# The application's own texts, written for the company: kept, without the person's name.
COMPANY_TEXTS = ("needs_description", "period_notes", "decision_reason", "withdrawal_reason")


def _applications(user: User):
    conditions = Q(company__memberships__user=user) | Q(created_by=user) | Q(declared_by=user)
    if not privacy.is_erased(user):
        conditions |= Q(contact_email__iexact=user.email)
    return Application.objects.filter(pk__in=Application.objects.filter(conditions).values("pk"))


def _is_named(first_name: str, last_name: str, user: User) -> bool:
    return bool(user.first_name and user.last_name) and (
        first_name.strip().lower() == user.first_name.strip().lower()
        and last_name.strip().lower() == user.last_name.strip().lower()
    )


def _is_contact(application: Application, user: User) -> bool:
    return (bool(application.contact_email) and application.contact_email.lower() == user.email.lower()) or (
        _is_named(application.contact_first_name, application.contact_last_name, user)
    )


def person_sections(*, user: User) -> dict[str, QuerySet]:
    """The rows behind each section of `person_data`, for counting them without reading them."""
    return {"memberships": CompanyMembership.objects.filter(user=user), "applications": _applications(user)}


def person_data(*, user: User) -> dict[str, Any]:
    """The company they act for, and every application they can see, wrote or signed,
    with its answers and where it stands."""
    sections = person_sections(user=user)
    memberships = sections["memberships"].select_related("company")
    applications = (
        sections["applications"].select_related("company", "programme").order_by("created_at", "pk")
    )
    return {
        "memberships": [
            {
                "company": membership.company.legal_name,
                "vat_number": membership.company.vat_number,
                "since": membership.created_at,
            }
            for membership in memberships
        ],
        "applications": [
            {
                "id": application.pk,
                "programme": application.programme.name,
                "company": application.company.legal_name,
                "status": application.status,
                "created_by_them": application.created_by_id == user.pk,
                "declared_by_them": application.declared_by_id == user.pk,
                "legal_representative": {
                    "first_name": application.legal_representative_first_name,
                    "last_name": application.legal_representative_last_name,
                    "tax_code": application.legal_representative_tax_code,
                    "role": application.legal_representative_role,
                },
                "contact": {
                    "first_name": application.contact_first_name,
                    "last_name": application.contact_last_name,
                    "role": application.contact_role,
                    "email": application.contact_email,
                    "phone": application.contact_phone,
                },
                "needs": application.needs,
                "needs_description": application.needs_description,
                "preferred_period": application.preferred_period,
                "period_notes": application.period_notes,
                "declarations": {
                    "privacy_accepted": application.privacy_accepted,
                    "sme": application.declares_sme,
                    "not_in_difficulty": application.declares_not_in_difficulty,
                    "de_minimis": application.declares_de_minimis,
                    "truthful": application.declares_truthful,
                    "declared_at": application.declared_at,
                },
                "decision_reason": application.decision_reason,
                "withdrawal_reason": application.withdrawal_reason,
                "submitted_at": application.submitted_at,
                "decided_at": application.decided_at,
                "enrolled_at": application.enrolled_at,
                "withdrawn_at": application.withdrawn_at,
            }
            for application in applications
        ],
    }


def person_erase(*, user: User, by: User | None) -> dict[str, int]:
    """Take the person out of their company and out of its applications' contact details.

    Statuses, dates, answers about the company and the eligibility results stay: they are
    the company's, and the programme's figures count them. Safe to run again."""
    found = privacy.identifiers(user)
    # Their own applications (their company's, those they wrote or signed, those giving their
    # address as the contact's): only there are the contact and the legal representative
    # matched by name, so a namesake in another company keeps theirs.
    own = list(_applications(user))
    # Their telephone, as the contact, is looked for in the texts too.
    found = found.with_more(
        application.contact_phone
        for application in own
        if application.contact_phone and _is_contact(application, user)
    )
    # Free texts naming them in any other application (found by the SQL pre-filter) lose
    # the name; here a namesake's mention goes too: in free text we err towards erasure.
    others = list(
        Application.objects.exclude(pk__in=[row.pk for row in own]).filter(found.text_filter(*COMPANY_TEXTS))
    )
    anonymised = 0
    for application in own + others:
        fields: set[str] = set()
        is_own = application in own
        # The contact person is the one the programme writes to: when it is them, their
        # name, address, telephone and role go.
        if is_own and _is_contact(application, user):
            application.contact_first_name = privacy.ERASED_NAME
            application.contact_last_name = f"#{user.pk}"
            application.contact_email = privacy.erased_email(user)
            application.contact_phone = ""
            application.contact_role = ""
            fields |= {
                "contact_first_name",
                "contact_last_name",
                "contact_email",
                "contact_phone",
                "contact_role",
            }
        # The legal representative signed the declarations; when it is them, their name and
        # tax code go and their role in the company stays, so the declaration still reads
        # "made by the sole director".
        if is_own and _is_named(
            application.legal_representative_first_name, application.legal_representative_last_name, user
        ):
            application.legal_representative_first_name = privacy.ERASED_NAME
            application.legal_representative_last_name = f"#{user.pk}"
            application.legal_representative_tax_code = ""
            fields |= {
                "legal_representative_first_name",
                "legal_representative_last_name",
                "legal_representative_tax_code",
            }
        for name in COMPANY_TEXTS:
            scrubbed = found.scrub(getattr(application, name))
            if scrubbed != getattr(application, name):
                setattr(application, name, scrubbed)
                fields.add(name)
        if fields:
            application.save(update_fields=[*sorted(fields), "updated_at"])
            anonymised += 1
    # The programme app scrubs its shared texts by name and address; the telephone only we know.
    phones = [value for value in found.values if value not in privacy.identifiers(user).values]
    privacy.scrub_shared_texts(privacy.make_identifiers(phones, privacy.erased_name(user)))
    # They no longer act for the company. Rows that name them as the one who created,
    # signed or invited keep pointing at the (now anonymous) account.
    removed = CompanyMembership.objects.filter(user=user).delete()[0]
    return {"memberships_removed": removed, "applications_anonymised": anonymised}
