"""The manager pool: profiles, sector experience, competences, CVs, merit reviews, selection, capacity."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programme.models import Programme
from programme.reference import AssessmentArea, Province

MAX_CAPACITY = 3
MAX_LEVEL = 5
MAX_SCORE = 5


def protected_storage() -> FileSystemStorage:
    """CVs live outside the public media folder and have no URL: only a view that checks
    permission reads them."""
    return FileSystemStorage(location=settings.PROTECTED_MEDIA_ROOT, base_url=None)


def cv_upload_to(instance: Manager, filename: str) -> str:
    # The name the person gave the file is never used on disk: a generated one cannot
    # collide, traverse folders or reveal anything.
    return f"cv/{instance.programme_id}/{uuid.uuid4().hex}.pdf"


class ManagerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPLIED = "applied", _("Applied")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left the pool")


# The moves a manager's status may make, written once and read by every service.
MANAGER_TRANSITIONS: dict[str, frozenset[str]] = {
    ManagerStatus.DRAFT: frozenset({ManagerStatus.APPLIED}),
    ManagerStatus.APPLIED: frozenset({ManagerStatus.SELECTED, ManagerStatus.NOT_SELECTED}),
    ManagerStatus.SELECTED: frozenset({ManagerStatus.SUSPENDED, ManagerStatus.LEFT}),
    ManagerStatus.SUSPENDED: frozenset({ManagerStatus.SELECTED, ManagerStatus.LEFT}),
    ManagerStatus.NOT_SELECTED: frozenset(),
    ManagerStatus.LEFT: frozenset(),
}

# Statuses in which the manager may still change their profile.
EDITABLE_STATUSES = frozenset(
    {ManagerStatus.DRAFT, ManagerStatus.APPLIED, ManagerStatus.SELECTED, ManagerStatus.SUSPENDED}
)


STATUS_BADGES = {
    ManagerStatus.DRAFT: "secondary",
    ManagerStatus.APPLIED: "info",
    ManagerStatus.SELECTED: "success",
    ManagerStatus.NOT_SELECTED: "dark",
    ManagerStatus.SUSPENDED: "warning",
    ManagerStatus.LEFT: "light",
}


def can_move(current: str, target: str) -> bool:
    return target in MANAGER_TRANSITIONS.get(current, frozenset())


class EmploymentSituation(models.TextChoices):
    LOOKING = "looking", _("Looking for work")
    IN_TRANSITION = "in_transition", _("In transition (outplacement, notice period)")
    EMPLOYED = "employed", _("Employed")
    RETIRED = "retired", _("Retired")


class RoleHeld(models.TextChoices):
    CHIEF_EXECUTIVE = "chief_executive", _("Chief executive / managing director")
    GENERAL_MANAGER = "general_manager", _("General manager / business unit head")
    OPERATIONS = "operations", _("Operations")
    PLANT = "plant", _("Plant management")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain and purchasing")
    QUALITY = "quality", _("Quality")
    RESEARCH = "research", _("Research and development")
    FINANCE = "finance", _("Finance and control")
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    EXPORT = "export", _("Export and international markets")
    HR = "hr", _("Human resources")
    IT = "it", _("IT and digital")
    SUSTAINABILITY = "sustainability", _("Sustainability and energy")


class LanguageSpoken(models.TextChoices):
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    SPANISH = "es", _("Spanish")
    PORTUGUESE = "pt", _("Portuguese")
    RUSSIAN = "ru", _("Russian")
    CHINESE = "zh", _("Chinese")
    ARABIC = "ar", _("Arabic")


class ManagerQuerySet(models.QuerySet["Manager"]):
    def in_pool(self) -> ManagerQuerySet:
        """Managers who may be given SMEs: selected, neither suspended nor gone."""
        return self.filter(status=ManagerStatus.SELECTED)


class Manager(models.Model):
    """A person's place in one programme's pool: their profile, where their application
    stands, their merit score and how many SMEs they follow now."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="managers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manager_profiles"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ManagerStatus.choices, default=ManagerStatus.DRAFT
    )

    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    city = models.CharField(_("town of residence"), max_length=100, blank=True)
    home_province = models.CharField(
        _("province of residence"), max_length=2, choices=Province.choices, blank=True
    )
    linkedin_url = models.URLField(_("LinkedIn profile"), blank=True)
    aldai_number = models.CharField(_("ALDAI Federmanager membership number"), max_length=30, blank=True)

    employment_situation = models.CharField(
        _("current employment situation"), max_length=16, choices=EmploymentSituation.choices, blank=True
    )
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of managerial experience"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    roles_held = ArrayField(
        models.CharField(max_length=20, choices=RoleHeld.choices),
        verbose_name=_("roles held"),
        default=list,
        blank=True,
    )
    career_summary = models.TextField(_("career summary"), blank=True)
    languages = ArrayField(
        models.CharField(max_length=2, choices=LanguageSpoken.choices),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    provinces = ArrayField(
        models.CharField(max_length=2, choices=Province.choices),
        verbose_name=_("provinces where you can work"),
        default=list,
        blank=True,
    )
    capacity = models.PositiveSmallIntegerField(
        _("SMEs you can follow at once"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
    )
    available_from = models.DateField(_("available from"), null=True, blank=True)
    availability_notes = models.CharField(_("availability"), max_length=300, blank=True)
    declared_vat_numbers = ArrayField(
        models.CharField(max_length=11),
        verbose_name=_("VAT numbers of companies you worked for or hold interests in"),
        default=list,
        blank=True,
    )

    cv = models.FileField(
        _("CV"), storage=protected_storage, upload_to=cv_upload_to, blank=True, max_length=200
    )
    cv_original_name = models.CharField(max_length=255, blank=True)
    cv_size = models.PositiveIntegerField(null=True, blank=True)
    cv_uploaded_at = models.DateTimeField(null=True, blank=True)

    # Kept by the review services: the mean of the reviews' weighted scores, 0-5.
    merit_score = models.DecimalField(
        _("merit score"), max_digits=4, decimal_places=2, null=True, blank=True, editable=False
    )
    # Kept by the assessment services under a lock of this row; the database refuses
    # any value past the capacity.
    open_assessments = models.PositiveSmallIntegerField(_("open assessments"), default=0, editable=False)
    # Kept by the same services when an assessment is completed, so that the workload
    # sorts the pool by it without counting every assessment of the programme.
    completed_assessments = models.PositiveIntegerField(_("completed assessments"), default=0, editable=False)

    decision_reason = models.TextField(_("reason of the last decision"), blank=True)
    truthful_declaration_at = models.DateTimeField(null=True, blank=True, editable=False)
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    left_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ManagerQuerySet.as_manager()

    class Meta:
        verbose_name = _("manager")
        verbose_name_plural = _("managers")
        ordering = ["user__last_name", "user__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="manager_one_per_programme"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_CAPACITY), name="manager_capacity_range"
            ),
            models.CheckConstraint(
                condition=Q(open_assessments__gte=0) & Q(open_assessments__lte=F("capacity")),
                name="manager_open_assessments_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(merit_score__isnull=True)
                | (Q(merit_score__gte=0) & Q(merit_score__lte=MAX_SCORE)),
                name="manager_merit_score_range",
            ),
            models.CheckConstraint(condition=Q(status__in=ManagerStatus.values), name="manager_status_known"),
        ]
        indexes = [models.Index(fields=["programme", "status", "-merit_score"])]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def capacity_left(self) -> int:
        return self.capacity - self.open_assessments

    @property
    def status_badge(self) -> str:
        """The Bootstrap colour of the status, so every page shows it alike."""
        return STATUS_BADGES.get(self.status, "secondary")

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_in_pool(self) -> bool:
        return self.status == ManagerStatus.SELECTED

    def _labels(self, field: str) -> list[str]:
        choices = dict(self._meta.get_field(field).base_field.choices)
        return [str(choices.get(value, value)) for value in getattr(self, field)]

    @property
    def roles_held_labels(self) -> list[str]:
        return self._labels("roles_held")

    @property
    def languages_labels(self) -> list[str]:
        return self._labels("languages")

    @property
    def provinces_labels(self) -> list[str]:
        return self._labels("provinces")

    def is_unavailable_on(self, day) -> bool:
        """Whether `day` falls in one of the periods the manager declared (prefetched or not)."""
        return any(period.starts_on <= day <= period.ends_on for period in self.unavailability_periods.all())


class SectorExperience(models.Model):
    """Years spent in one ATECO section, or one division of it."""

    manager = models.ForeignKey(Manager, on_delete=models.CASCADE, related_name="sector_experiences")
    section = models.CharField(_("ATECO section"), max_length=1)
    division = models.CharField(_("ATECO division"), max_length=2, blank=True)
    years = models.PositiveSmallIntegerField(
        _("years"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )

    class Meta:
        verbose_name = _("sector experience")
        verbose_name_plural = _("sector experience")
        ordering = ["section", "division"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "section", "division"], name="sector_experience_once"),
            models.CheckConstraint(condition=Q(years__gte=1) & Q(years__lte=60), name="sector_years_range"),
        ]

    def __str__(self) -> str:
        return f"{self.division or self.section}: {self.years}"

    @property
    def code(self) -> str:
        return self.division or self.section


class CompetenceRating(models.Model):
    """The manager's own rating of their competence in one area of the assessment model."""

    manager = models.ForeignKey(Manager, on_delete=models.CASCADE, related_name="competences")
    area = models.CharField(_("area"), max_length=32, choices=AssessmentArea.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(0), MaxValueValidator(MAX_LEVEL)]
    )

    class Meta:
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        ordering = ["-level", "area"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "area"], name="competence_once_per_area"),
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=MAX_LEVEL), name="competence_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.level}"


class UnavailabilityPeriod(models.Model):
    """Days on which a selected manager takes no new SMEs."""

    manager = models.ForeignKey(Manager, on_delete=models.CASCADE, related_name="unavailability_periods")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("unavailability period")
        verbose_name_plural = _("unavailability periods")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="unavailability_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} - {self.ends_on}"


def _score_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(0), MaxValueValidator(MAX_SCORE)]
    )


class MeritReview(models.Model):
    """One staff member's review of one manager: each criterion of the rubric scored
    0-5 with notes. The weighted score is computed from the programme's weights by the
    service that saves the review, and the weights used are kept beside it."""

    manager = models.ForeignKey(Manager, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merit_reviews"
    )

    experience = _score_field(_("Depth of managerial experience"))
    experience_notes = models.TextField(blank=True)
    competence_relevance = _score_field(_("Relevance of competences to the programme's areas"))
    competence_relevance_notes = models.TextField(blank=True)
    digital_skills = _score_field(_("Digital and Industry 4.0 skills"))
    digital_skills_notes = models.TextField(blank=True)
    interview = _score_field(_("Qualification interview"))
    interview_notes = models.TextField(blank=True)
    references = _score_field(_("References"))
    references_notes = models.TextField(blank=True)

    weighted_score = models.DecimalField(_("weighted score"), max_digits=4, decimal_places=2, editable=False)
    weights = models.JSONField(_("weights used"), default=dict, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("merit review")
        verbose_name_plural = _("merit reviews")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "reviewer"], name="merit_review_once_per_reviewer"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{key}__gte": 0}) & Q(**{f"{key}__lte": MAX_SCORE}),
                    name=f"merit_review_{key}_range",
                )
                for key in ("experience", "competence_relevance", "digital_skills", "interview", "references")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manager} / {self.reviewer}: {self.weighted_score}"

    def scores(self) -> dict[str, int]:
        from managers.merit import CRITERIA_KEYS

        return {key: getattr(self, key) for key in CRITERIA_KEYS}


class ReviewConflict(models.Model):
    """A reviewer's declaration of a conflict of interest with a manager (a former
    colleague, a relative): it keeps them out of that manager's review."""

    manager = models.ForeignKey(Manager, on_delete=models.CASCADE, related_name="review_conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("nature of the conflict"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["manager", "reviewer"], name="review_conflict_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} / {self.manager}"
