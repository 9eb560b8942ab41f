"""What the manager pool holds about a person: their profiles, competences, CV, merit
reviews about them (and those they wrote as staff), their unavailability periods.

Erasure keeps each Manager row with its status, merit score and counters (the pool's
figures and the assessments point at it) and the structured profile the programme's
statistics count (province, years, roles, languages, sectors, competence levels): without
name, contacts, CV and free text these no longer single the person out. The CV file is
deleted from storage once the erasure is committed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from managers.models import (
    Manager,
    ManagerStatus,
    MeritReview,
    ReviewConflict,
    UnavailabilityPeriod,
    protected_storage,
)
from programme import privacy
from programme.models import User

NOTE_FIELDS = (
    "experience_notes",
    "competence_relevance_notes",
    "digital_skills_notes",
    "interview_notes",
    "references_notes",
)
# A manager in these states may still be given SMEs or selected: erasing the person would
# leave a nameless manager in the pool. They leave it (or are not selected) first.
STATUSES_REFUSING_ERASURE = (ManagerStatus.APPLIED, ManagerStatus.SELECTED, ManagerStatus.SUSPENDED)


def person_erase_refusals(*, user: User) -> list[str]:
    return [
        _(
            "They are still in the manager pool of %(programme)s (%(status)s): they must leave the pool, "
            "or not be selected, before their data can be erased."
        )
        % {"programme": manager.programme.name, "status": manager.get_status_display()}
        for manager in Manager.objects.filter(user=user, status__in=STATUSES_REFUSING_ERASURE).select_related(
            "programme"
        )
    ]


def _review_row(review: MeritReview) -> dict[str, Any]:
    return {
        "manager": review.manager_id,
        "scores": review.scores(),
        "notes": {name: getattr(review, name) for name in NOTE_FIELDS},
        "weighted_score": review.weighted_score,
        "created_at": review.created_at,
    }


def person_sections(*, user: User) -> dict[str, QuerySet]:
    """The rows behind each section of `person_data`, for counting them without reading them."""
    return {
        "profiles": Manager.objects.filter(user=user),
        "reviews_written": MeritReview.objects.filter(reviewer=user),
        "conflicts_declared": ReviewConflict.objects.filter(reviewer=user),
    }


def person_data(*, user: User) -> dict[str, Any]:
    sections = person_sections(user=user)
    managers = (
        sections["profiles"]
        .select_related("programme")
        .prefetch_related(
            "sector_experiences",
            "competences",
            "unavailability_periods",
            Prefetch("reviews", queryset=MeritReview.objects.order_by("created_at", "pk")),
        )
        .order_by("pk")
    )
    return {
        "profiles": [
            {
                "id": manager.pk,
                "programme": manager.programme.name,
                "status": manager.status,
                "phone": manager.phone,
                "city": manager.city,
                "home_province": manager.home_province,
                "linkedin_url": manager.linkedin_url,
                "aldai_number": manager.aldai_number,
                "employment_situation": manager.employment_situation,
                "years_of_experience": manager.years_of_experience,
                "roles_held": manager.roles_held,
                "career_summary": manager.career_summary,
                "languages": manager.languages,
                "provinces": manager.provinces,
                "capacity": manager.capacity,
                "available_from": manager.available_from,
                "availability_notes": manager.availability_notes,
                "declared_vat_numbers": manager.declared_vat_numbers,
                "sector_experience": [
                    {"section": row.section, "division": row.division, "years": row.years}
                    for row in manager.sector_experiences.all()
                ],
                "competences": [{"area": row.area, "level": row.level} for row in manager.competences.all()],
                "unavailability": [
                    {"from": row.starts_on, "to": row.ends_on, "note": row.note}
                    for row in manager.unavailability_periods.all()
                ],
                # The file itself is theirs to download from their profile; the export says what is kept.
                "cv": (
                    {
                        "file_name": manager.cv_original_name,
                        "size": manager.cv_size,
                        "uploaded_at": manager.cv_uploaded_at,
                    }
                    if manager.cv
                    else None
                ),
                "merit_score": manager.merit_score,
                "reviews_about_them": [_review_row(review) for review in manager.reviews.all()],
                "decision_reason": manager.decision_reason,
                "applied_at": manager.applied_at,
                "decided_at": manager.decided_at,
                "left_at": manager.left_at,
            }
            for manager in managers
        ],
        "reviews_written": [
            _review_row(review) for review in sections["reviews_written"].order_by("created_at", "pk")
        ],
        "conflicts_declared": [
            {"manager": conflict.manager_id, "note": conflict.note, "created_at": conflict.created_at}
            for conflict in sections["conflicts_declared"].order_by("created_at", "pk")
        ],
    }


def person_erase(*, user: User, by: User | None) -> dict[str, int]:
    """Anonymise the person's profiles, delete their CVs and unavailability periods, blank
    the reviewers' notes about them and the conflicts that describe a tie with them.
    Refused (ValidationError) while they are still in a pool. Safe to run again."""
    refusals = person_erase_refusals(user=user)
    if refusals:
        raise ValidationError(refusals)
    found = privacy.identifiers(user)
    erased_texts: list[str] = []
    storage = protected_storage()
    summary = dict.fromkeys(("profiles_anonymised", "cv_files_deleted", "unavailability_deleted"), 0)
    personal_fields = (
        "phone",
        "city",
        "linkedin_url",
        "aldai_number",
        "career_summary",
        "availability_notes",
        "declared_vat_numbers",
        "cv",
        "cv_original_name",
        "cv_size",
        "cv_uploaded_at",
        "decision_reason",
    )
    for manager in Manager.objects.select_for_update().filter(user=user):
        before = [getattr(manager, name) for name in personal_fields]
        found = found.with_more([manager.phone]) if manager.phone else found
        erased_texts += [manager.career_summary, manager.availability_notes]
        if manager.cv:
            # After commit: if the erasure rolls back, the profile still points at its file.
            transaction.on_commit(partial(storage.delete, manager.cv.name))
            summary["cv_files_deleted"] += 1
        manager.phone = ""
        manager.city = ""
        manager.linkedin_url = ""
        manager.aldai_number = ""
        manager.career_summary = privacy.erased_text(manager.career_summary)
        manager.availability_notes = privacy.erased_text(manager.availability_notes)
        # The companies they worked for would point back at them; they only served to keep
        # them from a conflicted SME, and an erased manager takes no SME.
        manager.declared_vat_numbers = []
        manager.cv = ""
        manager.cv_original_name = ""
        manager.cv_size = None
        manager.cv_uploaded_at = None
        manager.decision_reason = found.scrub(manager.decision_reason)
        if [getattr(manager, name) for name in personal_fields] != before:
            manager.save(update_fields=[*personal_fields, "updated_at"])
            summary["profiles_anonymised"] += 1
    # When they were away says something about their life, and counts for nothing.
    periods = UnavailabilityPeriod.objects.filter(manager__user=user)
    erased_texts += list(periods.values_list("note", flat=True))
    summary["unavailability_deleted"] = periods.delete()[0]

    # Reviews about them: the scores stay (they make the merit score and the ranking), the
    # reviewers' notes are judgements of the person and go.
    about_them = MeritReview.objects.filter(manager__user=user)
    summary["reviews_about_them_blanked"] = about_them.count()
    for name in NOTE_FIELDS:
        about_them.exclude(**{name: ""}).update(**{name: privacy.ERASED_TEXT})
    # Reviews of other managers (those they wrote as staff among them) are the programme's
    # judgement of someone else: kept, without the person's name where it was written.
    scrubbed = 0
    for review in MeritReview.objects.filter(found.text_filter(*NOTE_FIELDS)):
        for name in NOTE_FIELDS:
            setattr(review, name, found.scrub(getattr(review, name)))
        review.save(update_fields=[*NOTE_FIELDS, "updated_at"])
        scrubbed += 1
        # A declared conflict describes a private tie (a relative, a former colleague) between
    # the reviewer and the manager: it stays, so the reviewer stays out, but says no more.
    conflicts = ReviewConflict.objects.filter(Q(reviewer=user) | Q(manager__user=user)).exclude(
        note=privacy.ERASED_TEXT
    )
    erased_texts += list(conflicts.filter(reviewer=user).values_list("note", flat=True))
    summary["conflicts_blanked"] = conflicts.update(note=privacy.ERASED_TEXT)
    for conflict in ReviewConflict.objects.filter(found.text_filter("note")):
        conflict.note = found.scrub(conflict.note)[:300]
        conflict.save(update_fields=["note"])
        scrubbed += 1
    for manager in Manager.objects.filter(found.text_filter("decision_reason", "career_summary")):
        manager.decision_reason = found.scrub(manager.decision_reason)
        manager.career_summary = found.scrub(manager.career_summary)
        manager.save(update_fields=["decision_reason", "career_summary", "updated_at"])
        scrubbed += 1
    summary["texts_scrubbed"] = scrubbed
    # The programme app scrubs its shared texts by name and address; the telephone only we know.
    phones = [value for value in found.values if value not in privacy.identifiers(user).values]
    privacy.scrub_shared_texts(privacy.make_identifiers(phones, privacy.erased_name(user)))
    summary["audit_reasons_erased"] = privacy.erase_audit_reasons(user=user, texts=erased_texts)
    return summary
