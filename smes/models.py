"""Companies, the people who act for them, and their applications to the programme."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Deferrable, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programme.models import Programme
from programme.reference import AssessmentArea, Province
from smes import eligibility

# Wide enough for any SME and any typing slip we still want to explain, not reject.
MAX_EMPLOYEES = 1_000_000
MAX_EUROS = 10**12
EARLIEST_FOUNDING_YEAR = 1800


class SizeClass(models.TextChoices):
    MICRO = eligibility.SizeClass.MICRO, _("Micro")
    SMALL = eligibility.SizeClass.SMALL, _("Small")
    MEDIUM = eligibility.SizeClass.MEDIUM, _("Medium")
    LARGE = eligibility.SizeClass.LARGE, _("Large (not an SME)")


class Company(models.Model):
    """An enterprise, known by its VAT number. Members act for it in the portal."""

    vat_number = models.CharField(_("VAT number"), max_length=11, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    tax_code = models.CharField(_("tax code"), max_length=16)
    ateco_code = models.CharField(_("ATECO activity code"), max_length=8)
    # Derived from the code when it is saved, so lists filter by sector in SQL.
    ateco_section = models.CharField(_("ATECO section"), max_length=1, blank=True, db_index=True)
    ateco_division = models.CharField(_("ATECO division"), max_length=2, blank=True)
    address = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postcode"), max_length=5)
    municipality = models.CharField(_("municipality"), max_length=100)
    municipality_code = models.CharField(_("cadastral code of the municipality"), max_length=4)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, db_index=True)
    pec = models.EmailField(_("certified e-mail address (PEC)"))
    employees = models.PositiveIntegerField(
        _("employees"), validators=[MaxValueValidator(MAX_EMPLOYEES)], help_text=_("Annual work units.")
    )
    turnover = models.DecimalField(
        _("annual turnover (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EUROS)],
    )
    balance_sheet_total = models.DecimalField(
        _("balance-sheet total (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EUROS)],
    )
    year_founded = models.PositiveSmallIntegerField(_("year founded"))
    website = models.URLField(_("website"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CompanyMembership",
        through_fields=("company", "user"),
        related_name="companies",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vat_number__regex=r"^[0-9]{11}$"), name="company_vat_11_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


class CompanyMembership(models.Model):
    """A person who acts for a company. One company per person: what they see in the
    portal (their application, their home) is that company's."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_membership"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("company member")
        verbose_name_plural = _("company members")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.company}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationStatus
# The moves each status allows; every service that changes a status checks here.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN}),
    S.ELIGIBLE: frozenset({S.ENROLLED, S.WAITLISTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ENROLLED, S.WITHDRAWN}),
    S.ENROLLED: frozenset({S.WITHDRAWN}),
    S.INELIGIBLE: frozenset(),
    S.WITHDRAWN: frozenset(),
}
OPEN_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if S.WITHDRAWN in targets)


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


class PreferredPeriod(models.TextChoices):
    AS_SOON_AS_POSSIBLE = "asap", _("As soon as possible")
    WITHIN_THREE_MONTHS = "within_3_months", _("Within three months")
    THREE_TO_SIX_MONTHS = "3_6_months", _("In three to six months")
    AFTER_SIX_MONTHS = "after_6_months", _("In more than six months")


class ApplicationStep(models.TextChoices):
    """The steps of the applicant's form, in order; each is saved as a draft on its own."""

    COMPANY = "company", _("Company")
    PEOPLE = "people", _("Legal representative and contact")
    NEEDS = "needs", _("What you want to improve")
    DECLARATIONS = "declarations", _("Privacy and declarations")


class Application(models.Model):
    """A company's application to one programme: its steps' answers, the eligibility
    results worked out on submission, staff's decision, and its place in the programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sme_applications")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="applications")
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    steps_done = ArrayField(
        models.CharField(max_length=16, choices=ApplicationStep.choices), default=list, blank=True
    )

    legal_representative_first_name = models.CharField(_("first name"), max_length=100, blank=True)
    legal_representative_last_name = models.CharField(_("last name"), max_length=100, blank=True)
    legal_representative_tax_code = models.CharField(_("tax code"), max_length=16, blank=True)
    legal_representative_role = models.CharField(
        _("role in the company"), max_length=100, blank=True, help_text=_("For example: sole director.")
    )
    contact_first_name = models.CharField(_("first name"), max_length=100, blank=True)
    contact_last_name = models.CharField(_("last name"), max_length=100, blank=True)
    contact_role = models.CharField(_("role in the company"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-mail address"), blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=20, blank=True)

    needs = ArrayField(
        models.CharField(max_length=32, choices=AssessmentArea.choices),
        verbose_name=_("areas to improve"),
        default=list,
        blank=True,
    )
    needs_description = models.TextField(_("the company's situation and challenges"), blank=True)
    preferred_period = models.CharField(
        _("when the assessment would suit you"), max_length=16, choices=PreferredPeriod.choices, blank=True
    )
    period_notes = models.CharField(_("notes on the period"), max_length=300, blank=True)

    privacy_accepted = models.BooleanField(_("privacy notice read"), default=False)
    declares_sme = models.BooleanField(_("SME declaration"), default=False)
    declares_not_in_difficulty = models.BooleanField(_("not in difficulty declaration"), default=False)
    declares_de_minimis = models.BooleanField(_("de minimis declaration"), default=False)
    declares_truthful = models.BooleanField(_("truthfulness declaration"), default=False)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(null=True, blank=True)

    eligibility_results = models.JSONField(_("eligibility results"), default=list, blank=True)
    size_class = models.CharField(_("size class"), max_length=8, choices=SizeClass.choices, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawing"), blank=True)
    waitlist_position = models.PositiveIntegerField(_("position on the waiting list"), null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("eligibility decided on"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled on"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    # Set by the retention job (smes.retention) when the people named here are erased.
    personal_data_erased_at = models.DateTimeField(_("personal data erased on"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "company"], name="application_once_per_programme"),
            # Positions are renumbered in one UPDATE when someone leaves the list, so the
            # check waits for the end of the transaction.
            models.UniqueConstraint(
                fields=["programme", "waitlist_position"],
                name="application_waitlist_position_unique",
                deferrable=Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ApplicationStatus.WAITLISTED)
                    & Q(waitlist_position__isnull=False)
                    & Q(waitlist_position__gte=1)
                )
                | (~Q(status=ApplicationStatus.WAITLISTED) & Q(waitlist_position__isnull=True)),
                name="application_waitlist_position_iff_waitlisted",
            ),
        ]
        indexes = [
            # With the key, so that counting the enrolled SMEs still waiting for a manager
            # (an anti-join with their assessments) reads the index alone.
            models.Index(fields=["programme", "status", "id"], name="application_status_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.programme}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def steps_missing(self) -> list[str]:
        return [step for step in ApplicationStep.values if step not in self.steps_done]

    @property
    def legal_representative_name(self) -> str:
        return f"{self.legal_representative_first_name} {self.legal_representative_last_name}".strip()

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}".strip()

    def needs_labels(self) -> list[str]:
        return [str(AssessmentArea(area).label) for area in self.needs if area in AssessmentArea.values]

    def allows(self, target: str) -> bool:
        return can_move(self.status, target)

    def rule_results(self) -> list[dict]:
        """The stored results with their label and reason in the active language."""
        shown = []
        for result in self.eligibility_results:
            shown.append(
                {
                    **result,
                    "label": eligibility.RULE_LABELS.get(result["rule"], result["rule"]),
                    "reason_text": eligibility.describe(result["reason"], result.get("params", {})),
                    "holds": result["passed"] or bool(result.get("overruled")),
                }
            )
        return shown

    @property
    def failed_rules_not_overruled(self) -> list[str]:
        return [
            result["rule"]
            for result in self.eligibility_results
            if not result["passed"] and not result.get("overruled")
        ]
