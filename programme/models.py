"""The programme itself, its people, the audit trail and the notifications."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in by e-mail address. Their role is a group (programme.roles);
    `is_staff` is Django's flag for the admin site, kept for superusers only."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ITALIAN
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


def default_merit_weights() -> dict[str, float]:
    return {
        "experience": 0.30,
        "competence_relevance": 0.25,
        "digital_skills": 0.20,
        "interview": 0.15,
        "references": 0.10,
    }


def default_project_criteria() -> list[dict]:
    return [
        {
            "key": "assessment_fit",
            "label_it": "Coerenza con l'assessment",
            "label_en": "Fit with the assessment",
            "weight": 0.30,
        },
        {
            "key": "feasibility",
            "label_it": "Fattibilità tecnica ed economica",
            "label_en": "Technical and financial feasibility",
            "weight": 0.25,
        },
        {
            "key": "impact",
            "label_it": "Impatto atteso su competitività e occupazione",
            "label_en": "Expected impact on competitiveness and jobs",
            "weight": 0.25,
        },
        {
            "key": "digital_green",
            "label_it": "Contenuto digitale e sostenibilità",
            "label_en": "Digital and green content",
            "weight": 0.20,
        },
    ]


def default_admitted_sectors() -> list[str]:
    # Manufacturing, energy, water and waste, construction, trade, transport,
    # hospitality, ICT, professional and support services.
    return ["C", "D", "E", "F", "G", "H", "I", "J", "K", "N", "O"]


WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def current(self) -> Programme | None:
        return self.filter(is_current=True).first()


class Programme(models.Model):
    """An edition of the programme with every setting the portal needs.

    The three counters are kept by the services that change them, under a lock of
    this row, and the database refuses any value past its limit."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    description = models.TextField(_("description"), blank=True)
    partners = models.TextField(_("partners"), blank=True, help_text=_("One partner a line."))
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    is_current = models.BooleanField(_("current edition"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    applications_open_on = models.DateField(_("applications open on"), null=True, blank=True)
    applications_close_on = models.DateField(_("applications close on"), null=True, blank=True)
    ends_on = models.DateField(_("programme ends on"), null=True, blank=True)
    admitted_sectors = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("admitted sectors"),
        default=default_admitted_sectors,
        blank=True,
        help_text=_("ATECO sections (letters) and divisions (two digits) whose companies may apply."),
    )

    assessment_quota = models.PositiveIntegerField(_("assessment quota"), default=100)
    support_days = models.PositiveSmallIntegerField(_("support days per assessment"), default=10)
    merit_weights = models.JSONField(_("merit criteria weights"), default=default_merit_weights)

    weight_sector = models.DecimalField(
        _("weight of sector fit"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.25"),
        validators=WEIGHT_VALIDATORS,
    )
    weight_competence = models.DecimalField(
        _("weight of competence fit"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.35"),
        validators=WEIGHT_VALIDATORS,
    )
    weight_geography = models.DecimalField(
        _("weight of geography"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.20"),
        validators=WEIGHT_VALIDATORS,
    )
    weight_merit = models.DecimalField(
        _("weight of merit"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.20"),
        validators=WEIGHT_VALIDATORS,
    )
    minimum_fit = models.DecimalField(
        _("minimum fit"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.40"),
        validators=WEIGHT_VALIDATORS,
    )

    days_to_accept = models.PositiveSmallIntegerField(_("days for a manager to accept"), default=7)
    days_to_complete = models.PositiveSmallIntegerField(_("days to complete an assessment"), default=90)
    reminder_days_before = models.PositiveSmallIntegerField(_("reminder lead time (days)"), default=3)

    project_cost_min = models.DecimalField(
        _("smallest project cost (EUR)"), max_digits=12, decimal_places=2, default=Decimal("20000")
    )
    project_cost_max = models.DecimalField(
        _("largest project cost (EUR)"), max_digits=12, decimal_places=2, default=Decimal("150000")
    )
    own_share_min_percent = models.DecimalField(
        _("smallest own share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    de_minimis_ceiling = models.DecimalField(
        _("de minimis ceiling (EUR)"), max_digits=12, decimal_places=2, default=Decimal("300000")
    )
    project_criteria = models.JSONField(_("project scoring criteria"), default=default_project_criteria)
    envelope_projects = models.PositiveIntegerField(_("projects the envelope finances"), default=10)
    envelope_amount = models.DecimalField(
        _("financing envelope (EUR)"), max_digits=12, decimal_places=2, default=Decimal("1000000")
    )
    two_administrators_required = models.BooleanField(_("approval needs two administrators"), default=False)

    retention_months_after_end = models.PositiveSmallIntegerField(
        _("months personal data is kept after the programme ends"), default=60
    )
    retention_months_not_enrolled = models.PositiveSmallIntegerField(
        _("months an application never enrolled is kept"), default=12
    )
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("minutes a session may stay idle"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(720)],
    )

    enrolled_count = models.PositiveIntegerField(_("SMEs enrolled"), default=0, editable=False)
    committed_projects = models.PositiveIntegerField(_("projects committed"), default=0, editable=False)
    committed_amount = models.DecimalField(
        _("euros committed"), max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="programme_one_current"
            ),
            models.CheckConstraint(
                condition=Q(enrolled_count__lte=F("assessment_quota")), name="programme_enrolled_within_quota"
            ),
            models.CheckConstraint(
                condition=Q(committed_projects__lte=F("envelope_projects")),
                name="programme_projects_within_envelope",
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__gte=0) & Q(committed_amount__lte=F("envelope_amount")),
                name="programme_amount_within_envelope",
            ),
            models.CheckConstraint(
                condition=Q(project_cost_min__lte=F("project_cost_max")), name="programme_cost_limits_ordered"
            ),
            models.CheckConstraint(
                condition=Q(applications_open_on__isnull=True)
                | Q(applications_close_on__isnull=True)
                | Q(applications_open_on__lte=F("applications_close_on")),
                name="programme_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partners.splitlines() if line.strip()]

    @property
    def slots_left(self) -> int:
        return self.assessment_quota - self.enrolled_count

    @property
    def amount_left(self) -> Decimal:
        return self.envelope_amount - self.committed_amount

    @property
    def projects_left(self) -> int:
        return self.envelope_projects - self.committed_projects

    def applications_open(self, on=None) -> bool:
        today = on or timezone.localdate()
        if self.applications_open_on and today < self.applications_open_on:
            return False
        return not (self.applications_close_on and today > self.applications_close_on)


class AuditEntry(models.Model):
    """One status change or decision: who, on what, from which state to which, why, when.

    Written only by the service that makes the change (programme.audit.record)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64)
    from_status = models.CharField(_("from"), max_length=32, blank=True)
    to_status = models.CharField(_("to"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            # The dashboard's latest changes of a programme, newest first.
            models.Index(fields=["programme", "-created_at", "-id"], name="audit_programme_recent_idx"),
            # The programme's latest entries by key: what marks a change of its figures
            # (programme.figures).
            models.Index(fields=["programme", "id"], name="audit_programme_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}->{self.to_status}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Notification(models.Model):
    """A message to one person: shown in their inbox and sent by e-mail.

    Subject and bodies are rendered when it is created, in the recipient's language,
    so that delivery only sends what is stored and a retry sends the same thing."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(_("e-mail address"))
    event = models.CharField(_("event"), max_length=64)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ITALIAN)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    in_inbox = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["email_status", "created_at"],
                condition=Q(email_status__in=["pending", "sending"]),
                name="notification_undelivered",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Heartbeat(models.Model):
    """When a periodic process last showed it is alive (Celery beat's own task, say).

    The health endpoint reads it: a stale heartbeat means nothing periodic runs."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Session(AbstractBaseSession):
    """A browser's session (the sessions' store, `programme.sessions`), with the id of the
    person signed in on it beside the signed data, so that a person's sessions are found
    through an index rather than by decoding every session (erasure ends them all).

    A plain number, not a foreign key: the row is written from the session's data at the
    end of a request, which must not fail if the account went in the meantime."""

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> type:
        from programme.sessions import SessionStore

        return SessionStore
