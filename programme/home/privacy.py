"""A person's data across the portal: one export (GDPR art. 15 and 20) and one erasure
(art. 17), each made of every app's `privacy.py`.

Erasure anonymises: the account and every row the programme's figures count stay, with
the same ids, so the headline figures, the counters on the programme and the audit trail
(every entry, its actor and its action) are the same afterwards; what named or reached
the person is replaced, their sign-in is closed and their files are deleted.

When erasure is refused, and why:
- staff never erase themselves: another staff member does it, so that two people are
  involved and the person acting is not the one whose traces vanish;
- a manager still in a pool (applied, selected or suspended) first leaves it or is not
  selected, and a manager of an open assessment first has it handed over or cancelled:
  a nameless manager must not be given, or keep, an SME's work.
An SME member is never refused: the application is the company's and carries on
without them (the summary page warns when they are its last member).

`person_erase(by=None)` is the programme itself acting (a retention job deleting
what the retention settings no longer allow to keep); the audit entry then has no actor.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import IntegerField, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import privacy as assessment_privacy
from managers import privacy as manager_privacy
from programme import audit
from programme import privacy as programme_privacy
from programme import queries as programme_queries
from programme.models import User
from programme.rules import is_programme_staff
from projects import privacy as project_privacy
from smes import privacy as sme_privacy

SCHEMA = "portal-person-data"
SCHEMA_VERSION = 1

# Highest app first: each still finds what the lower ones hold (the account's name, the
# company membership) while it cleans its own rows; the account itself goes last.
ERASE_ORDER: tuple[tuple[str, ModuleType], ...] = (
    ("projects", project_privacy),
    ("assessments", assessment_privacy),
    ("managers", manager_privacy),
    ("smes", sme_privacy),
    ("programme", programme_privacy),
)
EXPORT_ORDER = tuple(reversed(ERASE_ORDER))


def _require_staff(by: User | None) -> None:
    if by is not None and not is_programme_staff(by):
        raise PermissionDenied


def person_data(*, user: User) -> dict[str, Any]:
    """Everything the portal holds about `user`, app by app. Reading only; see person_export."""
    programme = programme_queries.current_programme()
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "exported_at": timezone.now(),
        "programme": {"name": programme.name, "slug": programme.slug} if programme else None,
        "person": user.pk,
        "data": {name: module.person_data(user=user) for name, module in EXPORT_ORDER},
    }


@transaction.atomic
def person_export(*, user: User, by: User) -> dict[str, Any]:
    """The export staff download for the person. Reading personal data is itself recorded."""
    _require_staff(by)
    document = person_data(user=user)
    audit.record(
        obj=user, actor=by, action="person_data_exported", programme=programme_queries.current_programme()
    )
    return document


def erase_refusals(*, user: User, by: User | None) -> list[str]:
    """Why the person's data cannot be erased now, in words for staff; empty when it can."""
    refusals = []
    if by is not None and by.pk == user.pk:
        refusals.append(_("You cannot erase your own data: another member of staff must do it."))
    refusals += manager_privacy.person_erase_refusals(user=user)
    refusals += assessment_privacy.person_erase_refusals(user=user)
    return refusals


@transaction.atomic
def person_erase(*, user: User, by: User | None, reason: str = "") -> dict[str, Any]:
    """Erase the person: every app anonymises what it holds, in one transaction, and one
    audit entry says who did it, when and why (not what was erased: that would keep it).

    Running it again changes nothing and records nothing more."""
    _require_staff(by)
    locked = User.objects.select_for_update().get(pk=user.pk)
    refusals = erase_refusals(user=locked, by=by)
    if refusals:
        raise ValidationError(refusals)
    already_erased = programme_privacy.is_erased(locked)
    # The reason staff type may name the person ("asked by Mario Rossi on 3 May").
    found = programme_privacy.identifiers(locked)
    counts = {name: module.person_erase(user=locked, by=by) for name, module in ERASE_ORDER}
    if not already_erased:
        audit.record(
            obj=locked,
            actor=by,
            action="person_erased",
            reason=found.scrub(reason.strip()),
            programme=programme_queries.current_programme(),
            data={"by_system": by is None, "counts": counts},
        )
    user.refresh_from_db()
    return {"already_erased": already_erased, "counts": counts}


class _RowCount(Subquery):
    """How many rows a queryset has, as a value inside another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def overview(*, user: User) -> list[dict[str, Any]]:
    """How many items each section of the person's export holds, for the summary page:
    every app's sections counted in one query, however much the person left behind."""
    sections = [
        (app, name, rows)
        for app, module in EXPORT_ORDER
        for name, rows in module.person_sections(user=user).items()
    ]
    columns = {
        f"count_{number}": _RowCount(rows.order_by().values("pk"))
        for number, (_app, _name, rows) in enumerate(sections)
    }
    counts = User.objects.filter(pk=user.pk).annotate(**columns).values_list(*columns).get()
    return [
        {"app": app, "section": name, "label": SECTION_LABELS.get(name, name), "count": count}
        for (app, name, _rows), count in zip(sections, counts, strict=True)
    ]


SECTION_LABELS: dict[str, Any] = {
    "account": gettext_lazy("Account (name, e-mail address, language, roles)"),
    "email_addresses": gettext_lazy("E-mail addresses used to sign in"),
    "second_factor": gettext_lazy("Authenticator apps and recovery codes (never their secrets)"),
    "open_sessions": gettext_lazy("Open sessions"),
    "notifications": gettext_lazy("Notifications received"),
    "audit_trail": gettext_lazy("Audit entries (their actions, and actions on their account)"),
    "memberships": gettext_lazy("Companies they act for"),
    "applications": gettext_lazy("Applications (answers, contact and legal representative)"),
    "profiles": gettext_lazy("Manager profiles (contacts, competences, CV, merit reviews, availability)"),
    "reviews_written": gettext_lazy("Merit reviews they wrote"),
    "conflicts_declared": gettext_lazy("Conflicts of interest they declared"),
    "proposals": gettext_lazy("Matching proposals naming them"),
    "assessments_as_manager": gettext_lazy("Assessments as the manager (visits, findings, recommendations)"),
    "visits_answered": gettext_lazy("Visits they confirmed or disputed"),
    "feedback_given": gettext_lazy("Feedback they gave"),
    "projects": gettext_lazy("Development projects"),
    "decisions": gettext_lazy("Financing decisions they took"),
}
