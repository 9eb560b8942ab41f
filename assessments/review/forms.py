"""Forms of staff's side: the list's filters, returning, cancelling, handing over."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assessments.models import AssessmentStatus
from assessments.review.queries import Filters
from managers.models import Manager
from programme.forms import PersonChoiceField
from programme.reference import Province, sections


class AssessmentFilterForm(forms.Form):
    """The list's filters; a value it does not know is dropped, not an error page."""

    q = forms.CharField(label=_("Company or VAT number"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *AssessmentStatus.choices]
    )
    # A search rather than a choice: a national edition has thousands of managers, more
    # than a list of options serves (or renders quickly).
    manager = forms.CharField(
        label=_("Manager (name or e-mail)"),
        required=False,
        max_length=100,
        help_text=_("Part of the name or of the e-mail address is enough."),
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", _("Any")), *Province.choices]
    )
    sector = forms.ChoiceField(label=_("Sector (ATECO section)"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    manager_left = forms.BooleanField(label=_("Manager left the pool"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [
            ("", _("Any")),
            *[(letter, f"{letter} - {title}") for letter, title in sections()],
        ]

    def filters(self) -> Filters:
        """The valid filters only: a wrong value in one leaves the others working."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return Filters(
            status=data.get("status") or "",
            manager=data.get("manager") or "",
            province=data.get("province") or "",
            sector=data.get("sector") or "",
            overdue=bool(data.get("overdue")),
            manager_left=bool(data.get("manager_left")),
            q=data.get("q") or "",
        )


class ReturnForm(forms.Form):
    comments = forms.CharField(
        label=_("Comments for the manager"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("The manager reads them on the workspace and in the e-mail."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the assessment is cancelled"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("The manager and the company read it; it stays in the audit trail."),
    )


class HandOverForm(forms.Form):
    manager = PersonChoiceField(
        label=_("New manager"),
        queryset=Manager.objects.none(),
        help_text=_("Selected managers with a place left, without a conflict with this company."),
    )
    reason = forms.CharField(
        label=_("Why it changes hands"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Both managers read it; it stays in the audit trail."),
    )

    def __init__(self, *args: Any, candidates: QuerySet[Manager], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = candidates
