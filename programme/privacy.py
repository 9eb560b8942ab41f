"""What the programme app holds about a person, for an export (GDPR art. 15 and 20) and
an erasure (art. 17); `programme.home.privacy` gathers every app's.

Erasure anonymises rather than deletes: the account row stays with the same id, so every
audit entry and every row that the programme's figures count still points at it, but
nothing on it names or reaches the person any more. The helpers here (the placeholders,
`identifiers` and the scrubbing of audit texts) are shared by the other apps' privacy.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import escape

from programme.models import AuditEntry, EmailStatus, Language, Notification, Session, User

# Stored text, not interface text: it stays as written whatever the reader's language,
# and Italian is the portal's language.
ERASED_NAME = "Persona cancellata"
ERASED_TEXT = "[testo cancellato]"
ERASED_EMAIL_DOMAIN = "invalid"  # RFC 2606: never delivered anywhere.
# Shorter fragments (a first name alone) would also match unrelated words.
SHORTEST_IDENTIFIER = 5
# A quoted text shorter than this ("No") could be part of any message.
SHORTEST_QUOTE = 12


def erased_name(user: User) -> str:
    return f"{ERASED_NAME} #{user.pk}"


def erased_email(user: User) -> str:
    return f"erased-{user.pk}@{ERASED_EMAIL_DOMAIN}"


def is_erased(user: User) -> bool:
    """An erased account is known by its address: no sign-up can produce one at .invalid."""
    return user.email == erased_email(user)


def erased_text(text: str) -> str:
    """The placeholder for a free text, or nothing if there was nothing."""
    return ERASED_TEXT if text else ""


@dataclass(frozen=True)
class Identifiers:
    """The strings that name or reach a person (full name both ways round, e-mail address,
    telephone, tax code), and what replaces them in texts that are kept."""

    values: tuple[str, ...]
    replacement: str
    pattern: re.Pattern | None = field(default=None, compare=False)

    def scrub(self, text: str) -> str:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(self.replacement, text)

    def scrub_data(self, value: Any) -> Any:
        """The same, through the strings of a JSON value."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_data(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub_data(item) for key, item in value.items()}
        return value

    def text_filter(self, *fields: str) -> Q:
        """Rows where one of `fields` may hold an identifier (a cheap SQL pre-filter; `scrub`
        decides). Matches nothing when there is nothing to look for."""
        condition = Q(pk__in=[])
        for value in self.values:
            for name in fields:
                condition |= Q(**{f"{name}__icontains": value})
        return condition

    def with_more(self, extra: Iterable[str]) -> Identifiers:
        return make_identifiers([*self.values, *extra], self.replacement)


def make_identifiers(values: Iterable[str], replacement: str) -> Identifiers:
    kept = sorted(
        {" ".join(value.split()) for value in values if len(" ".join(value.split())) >= SHORTEST_IDENTIFIER},
        key=lambda value: (-len(value), value),
    )
    # Longest first, so "Mario Rossi Bianchi" is replaced whole rather than in part;
    # any run of spaces between the words of a name matches.
    pattern = (
        re.compile("|".join(r"\s+".join(map(re.escape, value.split())) for value in kept), re.IGNORECASE)
        if kept
        else None
    )
    return Identifiers(values=tuple(kept), replacement=replacement, pattern=pattern)


def identifiers(user: User) -> Identifiers:
    """What names the person on their account. Once erased there is nothing left to find."""
    if is_erased(user):
        return make_identifiers([], erased_name(user))
    values = [user.email]
    if user.first_name and user.last_name:
        values += [f"{user.first_name} {user.last_name}", f"{user.last_name} {user.first_name}"]
    return make_identifiers(values, erased_name(user))


def erase_audit_reasons(*, user: User, texts: Iterable[str]) -> int:
    """An app that blanked a free text the person wrote also blanks its copies: the reason
    of the audit entry of the same action (the entry itself stays), and the passage of the
    notifications that quoted it to someone else (staff told why a manager declined)."""
    texts = {text.strip() for text in texts if text and text.strip() and text.strip() != ERASED_TEXT}
    if not texts:
        return 0
    changed = AuditEntry.objects.filter(actor=user, reason__in=texts).update(reason=ERASED_TEXT)
    quoted = [text for text in texts if len(text) >= SHORTEST_QUOTE]
    condition = Q(pk__in=[])
    for text in quoted:
        condition |= Q(body_text__contains=text) | Q(body_html__contains=escape(text))
    for notification in Notification.objects.filter(condition):
        for text in quoted:
            notification.body_text = notification.body_text.replace(text, ERASED_TEXT)
            notification.body_html = notification.body_html.replace(escape(text), ERASED_TEXT)
        notification.save(update_fields=["body_text", "body_html"])
    return changed


def _sessions_of(user: User) -> QuerySet[Session]:
    # Only unexpired ones can be used; expired ones are removed by `clearsessions`.
    return Session.objects.filter(user_id=user.pk, expire_date__gt=timezone.now())


def _audit_rows(entries) -> list[dict[str, Any]]:
    return [
        {
            "when": entry.created_at,
            "action": entry.action,
            "object": f"{entry.content_type.app_label}.{entry.content_type.model}#{entry.object_id}",
            "from_status": entry.from_status,
            "to_status": entry.to_status,
            "reason": entry.reason,
            "data": entry.data,
            "by_them": entry.actor_id == entry._person_id,
        }
        for entry in entries
    ]


def _audit_entries(user: User) -> QuerySet[AuditEntry]:
    # Through the content type's natural key, so that counting needs no lookup of its id.
    return AuditEntry.objects.filter(
        Q(actor=user)
        | Q(content_type__app_label="programme", content_type__model="user", object_id=str(user.pk))
    )


def person_sections(*, user: User) -> dict[str, QuerySet]:
    """The rows behind each section of `person_data`, one section one row for the account,
    so that the summary page counts them all at once without reading them."""
    return {
        "account": User.objects.filter(pk=user.pk),
        "email_addresses": EmailAddress.objects.filter(user=user),
        "second_factor": Authenticator.objects.filter(user=user),
        "open_sessions": _sessions_of(user),
        "notifications": Notification.objects.filter(recipient=user),
        "audit_trail": _audit_entries(user),
    }


def person_data(*, user: User) -> dict[str, Any]:
    """The account, its addresses, whether a second factor is set up (never its secret),
    how many sessions are open (never their keys), the notifications sent to the person,
    and the audit entries of what they did or what was done to their account."""
    sections = person_sections(user=user)
    entries = list(sections["audit_trail"].select_related("content_type").order_by("created_at", "id"))
    for entry in entries:
        entry._person_id = user.pk
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "active": user.is_active,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "erased": is_erased(user),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in sections["email_addresses"].order_by("pk")
        ],
        "second_factor": [
            {
                "type": authenticator.type,
                "created_at": authenticator.created_at,
                "last_used_at": authenticator.last_used_at,
            }
            for authenticator in sections["second_factor"].order_by("pk")
        ],
        "open_sessions": sections["open_sessions"].count(),
        "notifications": [
            {
                "when": notification.created_at,
                "event": notification.event,
                "email": notification.email,
                "subject": notification.subject,
                "body": notification.body_text,
                "read_at": notification.read_at,
                "email_status": notification.email_status,
                "emailed_at": notification.emailed_at,
            }
            for notification in sections["notifications"].order_by("created_at", "id")
        ],
        "audit_trail": _audit_rows(entries),
    }


def scrub_shared_texts(found: Identifiers) -> dict[str, int]:
    """Replace what names the person in the texts the programme app keeps about everyone:
    notifications to other people, audit entries and the admin site's log. The other apps
    call it too with what only they know (a manager's telephone)."""
    summary: dict[str, int] = {}
    # Messages to other people that name them keep their text, without the name.
    scrubbed = 0
    for notification in Notification.objects.filter(found.text_filter("subject", "body_text", "body_html")):
        notification.subject = found.scrub(notification.subject)[:255]
        notification.body_text = found.scrub(notification.body_text)
        notification.body_html = found.scrub(notification.body_html)
        notification.save(update_fields=["subject", "body_text", "body_html"])
        scrubbed += 1
    summary["notifications_scrubbed"] = scrubbed

    # The audit trail keeps every row, its actor (the same, now anonymous, account), its
    # action, statuses and time; only a name or address written in a reason or in the
    # data is replaced.
    scrubbed = 0
    for entry in AuditEntry.objects.filter(found.text_filter("reason", "data")):
        entry.reason = found.scrub(entry.reason)
        entry.data = found.scrub_data(entry.data)
        entry.save(update_fields=["reason", "data"])
        scrubbed += 1
    summary["audit_entries_scrubbed"] = scrubbed

    # The admin site's log names objects by their text at the time ("Mario Rossi").
    scrubbed = 0
    for log in LogEntry.objects.filter(found.text_filter("object_repr", "change_message")):
        log.object_repr = found.scrub(log.object_repr)[:200]
        log.change_message = found.scrub(log.change_message)
        log.save(update_fields=["object_repr", "change_message"])
        scrubbed += 1
    summary["admin_log_scrubbed"] = scrubbed
    return summary


def person_erase(*, user: User, by: User | None) -> dict[str, int]:
    """Anonymise the account and what the programme app keeps about the person.

    Called last by `programme.home.privacy.person_erase`, after the other apps, which still
    needed the person's name to find it in their texts. Safe to run again."""
    found = identifiers(user)
    old_email = user.email
    summary: dict[str, int] = {}

    # The account stays (every audit entry and counted row points at it) but names
    # nobody and opens nothing: no password, inactive, no admin rights. The role groups
    # stay, so the audit trail still reads "staff did this"; an inactive person is left
    # out of every list of people to tell (programme.queries.users_with_role).
    user.email = erased_email(user)
    user.first_name = ERASED_NAME
    user.last_name = f"#{user.pk}"
    user.language = Language.ITALIAN
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    if user.has_usable_password():
        user.set_unusable_password()
    user.save()
    user.user_permissions.clear()

    # What signs in or proves who they are: addresses, authenticators and recovery codes,
    # open sessions. None of it is kept, so none of it can be used again.
    summary["email_addresses_deleted"] = EmailAddress.objects.filter(user=user).delete()[0]
    summary["authenticators_deleted"] = Authenticator.objects.filter(user=user).delete()[0]
    # Expired ones too: until `clearsessions` runs they still hold what the person did.
    summary["sessions_ended"] = Session.objects.filter(user_id=user.pk).delete()[0]

    # Their inbox: the rows stay (how many messages went out is part of the programme's
    # record) but say nothing, and nothing still pending goes to the erased address.
    to_them = Notification.objects.filter(Q(recipient=user) | Q(email__iexact=old_email))
    summary["notifications_blanked"] = to_them.exclude(subject=ERASED_TEXT).count()
    to_them.filter(email_status__in=[EmailStatus.PENDING, EmailStatus.SENDING]).update(
        email_status=EmailStatus.SKIPPED
    )
    to_them.update(
        email=user.email, subject=ERASED_TEXT, body_text=ERASED_TEXT, body_html="", link="", last_error=""
    )

    summary.update(scrub_shared_texts(found))
    return summary
