"""The programme's part of the demo data: the demo edition and one account per role."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from programme.models import AuditEntry, Programme, ProgrammeStatus, User
from programme.roles import Role

DEMO_EMAIL_DOMAIN = "demo.example"
DEMO_PASSWORD = "Lombardia-2026"  # noqa: S105 - the published password of the demo accounts
DEMO_PROGRAMME_SLUG = "manager-pmi-lombardia"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    first_name: str
    last_name: str
    totp_secret: str = ""


# Fixed secrets so a newcomer can add them to an authenticator app once and keep them.
DEMO_ACCOUNTS = (
    DemoAccount(Role.SME_MEMBER, f"pmi@{DEMO_EMAIL_DOMAIN}", "Giulia", "Bianchi"),
    DemoAccount(Role.MANAGER, f"manager@{DEMO_EMAIL_DOMAIN}", "Marco", "Colombo"),
    DemoAccount(
        Role.STAFF, f"staff@{DEMO_EMAIL_DOMAIN}", "Elena", "Ferrari", "JBSWY3DPEHPK3PXPSTAFFDEMOSTAFFAA"
    ),
    DemoAccount(
        Role.ADMINISTRATOR,
        f"comitato@{DEMO_EMAIL_DOMAIN}",
        "Paolo",
        "Ricci",
        "JBSWY3DPEHPK3PXPADMINDEMOADMINAA",
    ),
)


def delete() -> None:
    """Remove the demo programme (with everything that hangs off it) and the demo accounts."""
    Programme.objects.filter(is_demo=True).delete()
    User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()


def create_programme(scale: int = 1) -> Programme:
    """The demo edition; at a scale above 1 its quota and envelope grow with it (a national
    edition with 100 times the SMEs has 100 times the assessments and projects to finance)."""
    another_is_current = Programme.objects.filter(is_current=True).exists()
    return Programme.objects.create(
        assessment_quota=100 * scale,
        envelope_projects=10 * scale,
        envelope_amount=Decimal("1000000") * scale,
        name="Manager per la ripartenza delle PMI lombarde",
        slug=DEMO_PROGRAMME_SLUG,
        description=(
            "Manager esperti, selezionati per merito, affiancano gratuitamente le piccole e medie imprese "
            "lombarde in un assessment di trasformazione digitale e miglioramento competitivo; i progetti "
            "di sviluppo migliori vengono finanziati dal programma."
        ),
        partners="Confindustria Lombardia\nLombardy Digital Innovation Hub\nALDAI Federmanager",
        status=ProgrammeStatus.RUNNING,
        is_current=not another_is_current,
        is_demo=True,
        applications_open_on=datetime.date(2026, 1, 15),
        applications_close_on=datetime.date(2026, 12, 31),
        ends_on=datetime.date(2027, 12, 31),
    )


def audit_entry(
    *,
    programme: Programme,
    content_type: ContentType,
    actor: User | None,
    action: str,
    when: datetime.datetime,
    object_id: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """An entry of the programme's history as the service would have written it, dated in
    the demo's past; the caller inserts them in bulk (and may set object_id once its rows
    have their keys)."""
    return AuditEntry(
        programme=programme,
        actor=actor,
        content_type=content_type,
        object_id=object_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
        created_at=when,
    )


def create_user(email: str, first_name: str, last_name: str, role: str, password_hash: str) -> User:
    user = User(email=email, first_name=first_name, last_name=last_name, password=password_hash)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def create_accounts(password_hash: str) -> dict[str, User]:
    """One account per role, keyed by role; staff and administrators with their authenticator."""
    accounts = {}
    for account in DEMO_ACCOUNTS:
        user = create_user(account.email, account.first_name, account.last_name, account.role, password_hash)
        if account.totp_secret:
            TOTP.activate(user, account.totp_secret)
        accounts[account.role] = user
    return accounts


def current_code(secret: str) -> str:
    """The authenticator code of a demo secret now, for newcomers without an authenticator app."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
