"""Forms of the programme app."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from programme import services
from programme.models import Language, Programme
from programme.reference import sector_choices
from programme.roles import INVITED_ROLES, Role


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up: who the person is and in which role they join."""

    role = forms.ChoiceField(
        label=_("I am signing up as"),
        choices=[
            (Role.SME_MEMBER, _("a company (SME) applying for the free assessment")),
            (Role.MANAGER, _("a manager joining the pool")),
        ],
        widget=forms.RadioSelect,
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    field_order = ["role", "first_name", "last_name", "email", "password1", "password2", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = (translation.get_language() or "it")[:2]
        self.fields["language"].initial = current if current in Language.values else Language.ITALIAN

    def signup(self, request, user) -> None:
        services.user_join(
            user=user,
            role=self.cleaned_data["role"],
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            language=self.cleaned_data["language"],
        )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in INVITED_ROLES])
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ITALIAN)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices)
    next = forms.CharField(required=False)


MERIT_CRITERIA = (
    ("experience", _("Depth of managerial experience")),
    ("competence_relevance", _("Relevance of competences to the programme's areas")),
    ("digital_skills", _("Digital and Industry 4.0 skills")),
    ("interview", _("Qualification interview")),
    ("references", _("References")),
)

WEIGHT_SUM_TOLERANCE = Decimal("0.001")


class ProgrammeSettingsForm(forms.ModelForm):
    """Every setting staff edit. The counters are not here: only services move them."""

    admitted_sectors = forms.MultipleChoiceField(
        label=_("Admitted sectors"),
        required=False,
        help_text=_(
            "ATECO sections and divisions whose companies may apply; none chosen admits every sector."
        ),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    project_criteria = forms.CharField(
        label=_("Project scoring criteria"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=_(
            'A JSON list: each criterion with "key", "label_it", "label_en" and "weight"; weights add up to 1.'
        ),
    )

    class Meta:
        model = Programme
        fields = [
            "name",
            "description",
            "partners",
            "status",
            "applications_open_on",
            "applications_close_on",
            "ends_on",
            "admitted_sectors",
            "assessment_quota",
            "support_days",
            "days_to_accept",
            "days_to_complete",
            "reminder_days_before",
            "weight_sector",
            "weight_competence",
            "weight_geography",
            "weight_merit",
            "minimum_fit",
            "project_cost_min",
            "project_cost_max",
            "own_share_min_percent",
            "de_minimis_ceiling",
            "project_criteria",
            "envelope_projects",
            "envelope_amount",
            "two_administrators_required",
            "retention_months_after_end",
            "retention_months_not_enrolled",
            "session_idle_minutes",
        ]
        widgets = {
            "applications_open_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "applications_close_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "partners": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["admitted_sectors"].choices = sector_choices()
        self.initial["project_criteria"] = json.dumps(
            self.instance.project_criteria, ensure_ascii=False, indent=2
        )
        for key, label in MERIT_CRITERIA:
            self.fields[f"merit_{key}"] = forms.DecimalField(
                label=_("Merit weight: %(criterion)s") % {"criterion": label},
                min_value=0,
                max_value=1,
                max_digits=3,
                decimal_places=2,
                initial=Decimal(str(self.instance.merit_weights.get(key, 0))),
            )

    def clean_project_criteria(self) -> list[dict]:
        raw = self.cleaned_data["project_criteria"]
        try:
            criteria = json.loads(raw)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": error.msg}
            ) from error
        required = {"key", "label_it", "label_en", "weight"}
        if (
            not isinstance(criteria, list)
            or not criteria
            or not all(isinstance(item, dict) and required <= item.keys() for item in criteria)
        ):
            raise forms.ValidationError(
                _('Give a list of criteria, each with "key", "label_it", "label_en" and "weight".')
            )
        try:
            total = sum(Decimal(str(item["weight"])) for item in criteria)
        except ArithmeticError as error:
            raise forms.ValidationError(_("Each weight must be a number.")) from error
        if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
            raise forms.ValidationError(
                _("The weights add up to %(total)s; they must add up to 1.") % {"total": total}
            )
        return criteria

    def clean(self) -> dict:
        cleaned = super().clean()
        matching = [
            cleaned.get(name)
            for name in ("weight_sector", "weight_competence", "weight_geography", "weight_merit")
        ]
        if all(weight is not None for weight in matching) and abs(sum(matching) - 1) > WEIGHT_SUM_TOLERANCE:
            self.add_error(
                "weight_merit",
                _("The four matching weights must add up to 1 (now %(total)s).") % {"total": sum(matching)},
            )
        merit = [cleaned.get(f"merit_{key}") for key, _label in MERIT_CRITERIA]
        if all(weight is not None for weight in merit) and abs(sum(merit) - 1) > WEIGHT_SUM_TOLERANCE:
            self.add_error(
                f"merit_{MERIT_CRITERIA[-1][0]}",
                _("The merit weights must add up to 1 (now %(total)s).") % {"total": sum(merit)},
            )
        low, high = cleaned.get("project_cost_min"), cleaned.get("project_cost_max")
        if low is not None and high is not None and low > high:
            self.add_error("project_cost_max", _("The largest cost must not be below the smallest."))
        opens, closes = cleaned.get("applications_open_on"), cleaned.get("applications_close_on")
        if opens and closes and opens > closes:
            self.add_error("applications_close_on", _("Applications must close after they open."))
        return cleaned

    def changes(self) -> dict:
        """The cleaned values as model fields, for the service."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["merit_weights"] = {
            key: float(self.cleaned_data[f"merit_{key}"]) for key, _label in MERIT_CRITERIA
        }
        return values


class PersonChoiceIterator(ModelChoiceIterator):
    """The options from four columns of each row (its key and its person's name and
    e-mail) instead of one model instance and its user per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        person = self.field.person_path
        rows = self.queryset.values_list(
            "pk", f"{person}__first_name", f"{person}__last_name", f"{person}__email"
        )
        for key, first_name, last_name, email in rows:
            # As User.__str__ reads: the full name, or the e-mail address without one.
            yield (key, f"{first_name} {last_name}".strip() or email)


class PersonChoiceField(forms.ModelChoiceField):
    """A choice among rows that stand for a person (a manager and their user), labelled
    with the person's name; `person_path` leads from the row to its user."""

    iterator = PersonChoiceIterator
    person_path = "user"
