"""Forms of financing: the decisions, the codes, the start, milestones and tranches, the
final report, revocation. Each one only parses; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.financing.queries import FINANCED_STATUSES
from projects.models import ProjectStatus

MONEY_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApproveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount granted (EUR)"),
        help_text=_("No more than the financing requested nor than what the envelope has left."),
        **MONEY_FIELD,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the project is rejected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        help_text=_("The company and its manager read it; it stays in the audit trail."),
    )


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Nature of the conflict of interest"),
        max_length=300,
        help_text=_("For example: a relative works for the company, or you advise it."),
    )


class CodesForm(forms.Form):
    cup_code = forms.CharField(
        label=_("CUP project code"),
        max_length=20,
        help_text=_("The Codice Unico di Progetto: 15 letters and digits."),
    )
    state_aid_code = forms.CharField(
        label=_("Code in the national State-aid register"),
        max_length=40,
        help_text=_("The code of the aid granted (COR) in the Registro nazionale degli aiuti di Stato."),
    )


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("Started on"), widget=DateInput())

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"started_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class MilestoneReachedForm(forms.Form):
    evidence = forms.CharField(
        label=_("What shows the milestone is reached"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Deliverables, invoices, acceptance reports: staff check them before paying."),
    )


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount paid (EUR)"), **MONEY_FIELD)


class FinalReportForm(forms.Form):
    final_report = forms.CharField(
        label=_("Final report"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text=_("What the project achieved against its objectives, what it cost, what comes next."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the financing is revoked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        help_text=_("The company reads it; what was not paid goes back into the envelope."),
    )


class PortfolioFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Any")),
            *[(status.value, status.label) for status in map(ProjectStatus, FINANCED_STATUSES)],
        ]

    def selected_status(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""
