"""Forms of the proposal's steps, of staff's list filters and of the eligibility page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Recommendation
from managers.models import Manager
from programme.forms import PersonChoiceField
from programme.models import Programme
from programme.reference import Province
from projects import checklist
from projects.models import Project, ProjectStatus
from projects.proposal.queries import Criterion, Filters
from projects.proposal.services import MAX_MILESTONES, MilestonePlan

MONEY_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class RecommendationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, recommendation: Recommendation) -> str:
        return f"{recommendation.title} ({recommendation.get_dimension_display()})"


class GeneralForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    objectives = forms.CharField(
        label=_("Objectives"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the company wants to reach, and how it will know it has."),
    )
    recommendations = RecommendationChoiceField(
        label=_("Recommendations of the assessment it takes up"),
        required=False,
        queryset=Recommendation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    facilitator = PersonChoiceField(
        label=_("Manager who facilitates it"),
        queryset=Manager.objects.none(),
        empty_label=None,
        help_text=_("The manager of your assessment, unless you choose another manager of the programme."),
    )

    def __init__(
        self,
        *args: Any,
        recommendations: QuerySet[Recommendation],
        facilitators: QuerySet[Manager],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recommendations"].queryset = recommendations
        self.fields["facilitator"].queryset = facilitators

    @staticmethod
    def initial_of(project: Project, recommendations: list[Recommendation]) -> dict[str, Any]:
        return {
            "title": project.title,
            "objectives": project.objectives,
            "recommendations": [item.pk for item in recommendations],
            "facilitator": project.facilitator_id,
        }


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    description = forms.CharField(
        label=_("What is delivered"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    tranche = forms.DecimalField(
        label=_("Tranche (EUR)"),
        **MONEY_FIELD,
        help_text=_("Paid when staff have checked the milestone."),
    )

    def clean_due_on(self) -> datetime.date:
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("A milestone of the plan is due today or later."))
        return due_on

    def plan(self) -> MilestonePlan:
        data = self.cleaned_data
        return MilestonePlan(
            title=data["title"],
            description=data.get("description", ""),
            due_on=data["due_on"],
            tranche=data["tranche"],
        )


class BaseMilestoneFormSet(forms.BaseFormSet):
    def plans(self) -> list[MilestonePlan]:
        return [
            form.plan() for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


MilestoneFormSet = forms.formset_factory(
    MilestoneForm,
    formset=BaseMilestoneFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_MILESTONES,
    validate_max=True,
)


def milestone_initial(milestones: list) -> list[dict[str, Any]]:
    return [
        {"title": item.title, "description": item.description, "due_on": item.due_on, "tranche": item.tranche}
        for item in milestones
    ]


class CostsForm(forms.Form):
    total_cost = forms.DecimalField(label=_("Total cost (EUR)"), required=False, **MONEY_FIELD)
    financing_requested = forms.DecimalField(
        label=_("Financing requested (EUR)"), required=False, **MONEY_FIELD
    )
    own_share = forms.DecimalField(label=_("The company's own share (EUR)"), required=False, **MONEY_FIELD)

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["total_cost"].help_text = _("Between %(minimum)s and %(maximum)s euros.") % {
            "minimum": checklist.money(programme.project_cost_min),
            "maximum": checklist.money(programme.project_cost_max),
        }
        self.fields["own_share"].help_text = _("At least %(percent)s%% of the total cost.") % {
            "percent": checklist.percent(programme.own_share_min_percent)
        }
        self.fields["financing_requested"].help_text = _(
            "With the company's own share it makes the total cost; the milestones' tranches add up to it."
        )


class DeMinimisForm(forms.Form):
    received = forms.DecimalField(
        label=_("State aid received in the current and two previous fiscal years (EUR)"),
        **MONEY_FIELD,
        help_text=_(
            "Every grant received under the de minimis rules (EU Regulation 2023/2831) by the company, "
            "and by the companies forming a single undertaking with it; 0 if none."
        ),
    )
    confirmed = forms.BooleanField(label="", required=True)

    def __init__(self, *args: Any, company: str, ceiling: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirmed"].label = _(
            "I declare, in the name of %(company)s, that this is the whole of the de minimis aid received; "
            "with the financing requested it must stay within the ceiling of %(ceiling)s euros."
        ) % {"company": company, "ceiling": checklist.money(ceiling)}


class ProjectFilterForm(forms.Form):
    """The list's filters; a value it does not know is dropped, not an error page."""

    q = forms.CharField(label=_("Company, VAT number or title"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *ProjectStatus.choices],
    )
    # A search rather than a choice: a national edition has a manager for each of
    # thousands of projects, more than a list of options serves (or renders quickly).
    manager = forms.CharField(
        label=_("Manager (name or e-mail)"),
        required=False,
        max_length=100,
        help_text=_("Part of the name or of the e-mail address is enough."),
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", _("Any")), *Province.choices]
    )

    def filters(self) -> Filters:
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return Filters(
            status=data.get("status") or "",
            manager=data.get("manager") or "",
            province=data.get("province") or "",
            q=data.get("q") or "",
        )


class Decision:
    SAVE = "save"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"


class EligibilityForm(forms.Form):
    """Staff's checks of judgement, the score per criterion and, when they decide, the decision."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        initial=Decision.SAVE,
        choices=[
            (Decision.SAVE, _("Save the checks and scores, decide later")),
            (Decision.ELIGIBLE, _("Declare it eligible for financing")),
            (Decision.INELIGIBLE, _("Declare it not eligible")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The company and its manager read it in the notification and on the project's page."),
    )

    def __init__(self, *args: Any, criteria: list[Criterion], project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for key, label in checklist.JUDGEMENT_CHECKS:
            self.fields[f"judgement_{key}"] = forms.BooleanField(
                label=label, required=False, initial=bool(project.judgement.get(key))
            )
        for criterion in criteria:
            self.fields[f"score_{criterion.key}"] = forms.IntegerField(
                label=_("%(criterion)s (weight %(weight)s)")
                % {"criterion": criterion.label, "weight": checklist.percent(criterion.weight * 100) + "%"},
                required=False,
                min_value=checklist.SCORE_MIN,
                max_value=checklist.SCORE_MAX,
                initial=criterion.score,
                help_text=_("From 0 to 10."),
            )

    def judgement_fields(self) -> list[forms.BoundField]:
        return [self[f"judgement_{key}"] for key in checklist.JUDGEMENT_KEYS]

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{criterion.key}"] for criterion in self.criteria]

    def judgement(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"judgement_{key}")) for key in checklist.JUDGEMENT_KEYS}

    def scores(self) -> dict[str, int | None]:
        return {criterion.key: self.cleaned_data.get(f"score_{criterion.key}") for criterion in self.criteria}
