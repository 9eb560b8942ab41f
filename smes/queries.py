"""Read side of the SME app: what each page reads, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programme import queries as programme_queries
from programme.models import Programme, User
from programme.queries import TimelineEntry
from programme.reference import AssessmentArea, Province
from smes.models import Application, ApplicationStatus, Company, CompanyMembership, PreferredPeriod, SizeClass

# How staff may sort the list: the key in the address and the ordering it stands for.
SORTS: dict[str, tuple[str, ...]] = {
    "submitted": ("submitted_at", "id"),
    "-submitted": ("-submitted_at", "-id"),
    "name": ("company__legal_name", "id"),
    "-name": ("-company__legal_name", "-id"),
    "employees": ("company__employees", "id"),
    "-employees": ("-company__employees", "-id"),
    "province": ("company__province", "company__legal_name", "id"),
    "status": ("status", "company__legal_name", "id"),
    "waitlist": ("waitlist_position", "id"),
}
DEFAULT_SORT = "-submitted"

ACTION_LABELS = {
    "created": _("Application started"),
    "submitted": _("Application submitted"),
    "eligible": _("Confirmed eligible"),
    "ineligible": _("Found not eligible"),
    "enrolled": _("Enrolled in the programme"),
    "waitlisted": _("Put on the waiting list"),
    "moved_up": _("Moved up from the waiting list and enrolled"),
    "withdrawn": _("Withdrawn"),
    "rule_overruled": _("Eligibility rule overruled"),
    "duplicate_attempt": _("Another person tried to apply for this company"),
}

STAFF_LABEL = _("programme staff")

MEMBER_VISIBLE_ACTIONS = (
    "created",
    "submitted",
    "eligible",
    "ineligible",
    "enrolled",
    "waitlisted",
    "moved_up",
    "withdrawn",
)


def _status_label(value: str) -> str:
    return str(ApplicationStatus(value).label) if value in ApplicationStatus.values else value


def timeline(application: Application, *, for_members: bool) -> list[TimelineEntry]:
    """The application's history, oldest first. Members see the status changes and the
    reasons given to them; staff also see overrulings and duplicate attempts. Members see
    staff only as "the programme staff", not by name."""
    entries = programme_queries.timeline(application)
    if for_members:
        entries = entries.filter(action__in=MEMBER_VISIBLE_ACTIONS)
    member_ids = (
        set()
        if not for_members
        else set(
            CompanyMembership.objects.filter(company_id=application.company_id).values_list(
                "user_id", flat=True
            )
        )
    )
    shown = []
    for entry in entries:
        actor = entry.actor
        if for_members and actor is not None and actor.pk not in member_ids:
            # Members see who acted by role, not by name.
            actor = STAFF_LABEL
        shown.append(
            TimelineEntry(
                created_at=entry.created_at,
                actor=actor,
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                from_status=_status_label(entry.from_status) if entry.from_status else "",
                to_status=_status_label(entry.to_status) if entry.to_status else "",
                reason=entry.reason,
            )
        )
    return shown


def membership_of(user: User) -> CompanyMembership | None:
    if not user.is_authenticated:
        return None
    return CompanyMembership.objects.select_related("company").filter(user=user).first()


def member_applications(user: User) -> QuerySet[Application]:
    """The applications a member may see: their own company's, and no other."""
    return Application.objects.filter(company__memberships__user=user).select_related("company", "programme")


def member_application(user: User, programme: Programme | None) -> Application | None:
    if programme is None:
        return None
    return member_applications(user).filter(programme=programme).first()


def company_members(company: Company) -> list[CompanyMembership]:
    return list(
        CompanyMembership.objects.filter(company=company)
        .select_related("user", "invited_by")
        .order_by("created_at")
    )


def staff_applications(programme: Programme) -> QuerySet[Application]:
    """Every application of the programme that left the draft, with its company: drafts
    are the applicant's own business until they submit."""
    return (
        Application.objects.filter(programme=programme)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("company")
    )


def filter_applications(queryset: QuerySet[Application], filters: dict[str, Any]) -> QuerySet[Application]:
    """Apply the list's filters (already cleaned by the filter form) and its sorting."""
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("province"):
        queryset = queryset.filter(company__province=filters["province"])
    if filters.get("sector"):
        queryset = queryset.filter(company__ateco_section=filters["sector"])
    if filters.get("size_class"):
        queryset = queryset.filter(size_class=filters["size_class"])
    if filters.get("submitted_from"):
        queryset = queryset.filter(submitted_at__date__gte=filters["submitted_from"])
    if filters.get("submitted_to"):
        queryset = queryset.filter(submitted_at__date__lte=filters["submitted_to"])
    search = (filters.get("q") or "").strip()
    if search:
        compact = search.upper().removeprefix("IT").replace(" ", "")
        queryset = queryset.filter(
            Q(company__legal_name__icontains=search) | Q(company__vat_number__startswith=compact)
        )
    return queryset.order_by(*SORTS.get(filters.get("sort") or DEFAULT_SORT, SORTS[DEFAULT_SORT]))


def status_counts(programme: Programme) -> dict[str, int]:
    """How many applications stand in each status, in one query."""
    counts = Application.objects.filter(programme=programme).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in ApplicationStatus.values}
    )
    return counts


def staff_application(programme: Programme) -> QuerySet[Application]:
    """Staff's detail page reads drafts too (linked from a duplicate-attempt notice)."""
    return Application.objects.filter(programme=programme).select_related(
        "company", "programme", "created_by", "declared_by"
    )


def waitlist(programme: Programme) -> QuerySet[Application]:
    return (
        Application.objects.filter(programme=programme, status=ApplicationStatus.WAITLISTED)
        .select_related("company")
        .order_by("waitlist_position")
    )


def headline_figures(programme: Programme) -> dict[str, int]:
    """The SME app's public figure: applications enrolled (a withdrawn one no longer counts)."""
    return {
        "smes_enrolled": Application.objects.filter(
            programme=programme, status=ApplicationStatus.ENROLLED
        ).count()
    }


EXPORT_HEADER = (
    _("Legal name"),
    _("VAT number"),
    _("Tax code"),
    _("ATECO code"),
    _("Municipality"),
    _("Province"),
    _("Employees"),
    _("Turnover (EUR)"),
    _("Balance-sheet total (EUR)"),
    _("Size class"),
    _("Status"),
    _("Waiting-list position"),
    _("Submitted on"),
    _("Areas to improve"),
    _("Preferred period"),
    _("Contact"),
    _("Contact e-mail"),
    _("Website"),
)


def export_rows(queryset: QuerySet[Application]) -> Iterator[list[str]]:
    """The filtered applications as rows of text, header first, streamed in chunks."""
    yield [str(label) for label in EXPORT_HEADER]
    provinces = dict(Province.choices)
    sizes = dict(SizeClass.choices)
    periods = dict(PreferredPeriod.choices)
    areas = dict(AssessmentArea.choices)
    for application in queryset.iterator(chunk_size=500):
        company = application.company
        yield [
            company.legal_name,
            company.vat_number,
            company.tax_code,
            company.ateco_code,
            company.municipality,
            str(provinces.get(company.province, company.province)),
            str(company.employees),
            f"{company.turnover:.2f}",
            f"{company.balance_sheet_total:.2f}",
            str(sizes.get(application.size_class, "")),
            str(application.get_status_display()),
            str(application.waitlist_position or ""),
            timezone.localtime(application.submitted_at).date().isoformat()
            if application.submitted_at
            else "",
            "; ".join(str(areas.get(area, area)) for area in application.needs),
            str(periods.get(application.preferred_period, "")),
            application.contact_name,
            application.contact_email,
            company.website,
        ]
