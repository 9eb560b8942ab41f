"""The nightly retention job: the programme's keeping rules applied to SME applicants.

`smes.retention` erases the personal data of the applications past their keeping; the accounts
of members left with nothing kept are then erased by the portal-wide person erasure, the same
one staff use on request, so a retained and a requested erasure leave the same trace."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from programme.home import privacy
from smes import retention as sme_retention

# The reason written in each account's erasure entry (an audit text, not shown to users).
RETENTION_REASON = "retention rules of the programme"


def retention_apply(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Erase what the programme's rules no longer allow to keep: the applications first, then
    the accounts of members whose companies keep no personal data. Idempotent: erased
    applications and people are never found again. Returns how many of each it erased."""
    with transaction.atomic():
        applications = sme_retention.retention_apply(now=now)
    people = 0
    for member in sme_retention.members_past_keeping():
        # One transaction per person: a refusal for one (none is expected for a member with
        # no other role) leaves the others erased and is tried again the next night.
        try:
            with transaction.atomic():
                privacy.person_erase(user=member, by=None, reason=RETENTION_REASON)
        except ValidationError:
            continue
        people += 1
    return {"applications": applications, "people": people}
