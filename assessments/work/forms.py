"""Forms of the workspace: the visit log, each section of the report, the SME's answer.

Each report section is its own form with a prefix naming the section
(`finding-<dimension>`, `recommendation-<id>`, `outline`, `summary`), so the page's
autosave posts several at once and the answer says which field of which section was
refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Finding, Level, ProjectOutline, Rating, Recommendation, Visit
from programme.reference import AssessmentArea

LEVEL_CHOICES = [("", _("not scored yet")), *Level.choices]


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "held_on",
            "duration_unit",
            "duration",
            "mode",
            "participants",
            "preparation_hours",
            "notes",
            "over_allowance_reason",
        ]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "duration": forms.NumberInput(attrs={"step": "0.5", "min": "0.5"}),
            "preparation_hours": forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
            "notes": _text(4),
            "over_allowance_reason": _text(2),
        }
        help_texts = {
            "duration": _("In hours or half days, in steps of 0.5; a day counts 8 hours."),
            "participants": _("Names and roles of the people of the company who took part."),
            "over_allowance_reason": _("Only needed when the visits go past the free support days."),
        }


class VisitAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("confirm", _("The visit took place as logged")), ("dispute", _("Something is not right"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=_text(2),
        help_text=_("Needed when you dispute the visit; the manager and staff read it."),
    )


class FindingForm(forms.Form):
    current_level = forms.TypedChoiceField(
        label=_("Current level"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    target_level = forms.TypedChoiceField(
        label=_("Target level"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=5000, widget=_text())
    strengths = forms.CharField(label=_("Strengths"), required=False, max_length=5000, widget=_text())
    gaps = forms.CharField(label=_("Gaps"), required=False, max_length=5000, widget=_text())

    @staticmethod
    def initial_of(finding: Finding) -> dict[str, Any]:
        return {
            "current_level": finding.current_level,
            "target_level": finding.target_level,
            "evidence": finding.evidence,
            "strengths": finding.strengths,
            "gaps": finding.gaps,
        }


class RecommendationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    dimension = forms.ChoiceField(label=_("Dimension"), choices=AssessmentArea.choices)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000, widget=_text())
    priority = forms.ChoiceField(label=_("Priority"), choices=Rating.choices, initial=Rating.MEDIUM)
    impact = forms.ChoiceField(label=_("Expected impact"), choices=Rating.choices, initial=Rating.MEDIUM)
    effort = forms.ChoiceField(label=_("Effort"), choices=Rating.choices, initial=Rating.MEDIUM)
    horizon_months = forms.IntegerField(label=_("Horizon (months)"), min_value=1, max_value=60, initial=6)

    @staticmethod
    def initial_of(recommendation: Recommendation) -> dict[str, Any]:
        return {name: getattr(recommendation, name) for name in RecommendationForm.base_fields}


class OutlineForm(forms.Form):
    title = forms.CharField(
        label=_("Project title"),
        required=False,
        max_length=200,
        help_text=_("Leave the whole outline empty if the company does not want one."),
    )
    objectives = forms.CharField(label=_("Objectives"), required=False, max_length=5000, widget=_text(4))
    dimensions = forms.MultipleChoiceField(
        label=_("Dimensions it improves"),
        choices=AssessmentArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (EUR)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), required=False, min_value=1, max_value=60
    )

    @staticmethod
    def initial_of(outline: ProjectOutline | None) -> dict[str, Any]:
        if outline is None:
            return {}
        return {name: getattr(outline, name) for name in OutlineForm.base_fields}


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the assessment"),
        required=False,
        max_length=10000,
        widget=_text(6),
        help_text=_("What the company should take away: it opens the report."),
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
