"""Forms of the manager pool. They parse and validate input; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from managers import checks
from managers.merit import CRITERIA_KEYS
from managers.models import (
    MAX_CAPACITY,
    EmploymentSituation,
    LanguageSpoken,
    Manager,
    ManagerStatus,
    RoleHeld,
)
from managers.queries import PoolFilters
from managers.services import PROFILE_FIELDS, SectorRow
from programme.forms import MERIT_CRITERIA
from programme.reference import AssessmentArea, Province, divisions, sections, sector_choices

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

COMPETENCE_LEVELS = [
    ("", _("— not rated yet —")),
    ("0", _("0 · no experience")),
    ("1", _("1 · basic knowledge")),
    ("2", _("2 · some hands-on experience")),
    ("3", _("3 · good, applied in several companies")),
    ("4", _("4 · advanced, led projects in it")),
    ("5", _("5 · expert, recognised reference")),
]

SCORE_CHOICES = [
    ("", _("— choose a score —")),
    ("0", _("0 · absent")),
    ("1", _("1 · poor")),
    ("2", _("2 · insufficient")),
    ("3", _("3 · adequate")),
    ("4", _("4 · good")),
    ("5", _("5 · excellent")),
]


def competence_field_name(area: str) -> str:
    return f"competence_{area}"


class ProfileForm(forms.ModelForm):
    """The manager's profile, saved as a draft: nothing is required until they submit."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    roles_held = forms.MultipleChoiceField(
        label=_("Roles held"), choices=RoleHeld.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you work in"),
        choices=LanguageSpoken.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    provinces = forms.MultipleChoiceField(
        label=_("Provinces where you can work"),
        choices=Province.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.TypedChoiceField(
        label=_("SMEs you can follow at once"),
        choices=[(str(number), str(number)) for number in range(1, MAX_CAPACITY + 1)],
        coerce=int,
        initial="1",
        help_text=_("Each assessment takes about ten days of work spread over a few months."),
    )
    linkedin_url = forms.URLField(label=_("LinkedIn profile"), required=False, assume_scheme="https")
    declared_vat_numbers = forms.CharField(
        label=_("VAT numbers of companies you worked for or hold interests in"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}),
        help_text=_(
            "One a line. You will never be proposed to these companies: it keeps the programme free "
            "of conflicts of interest."
        ),
    )

    class Meta:
        model = Manager
        fields = [
            "phone",
            "city",
            "home_province",
            "linkedin_url",
            "aldai_number",
            "employment_situation",
            "years_of_experience",
            "roles_held",
            "career_summary",
            "languages",
            "provinces",
            "capacity",
            "available_from",
            "availability_notes",
        ]
        widgets = {
            "available_from": DATE_WIDGET,
            "career_summary": forms.Textarea(attrs={"rows": 5}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }
        help_texts = {
            "aldai_number": _("Optional: members of ALDAI Federmanager give their number."),
            "career_summary": _("The companies you worked for, your roles and your main results."),
            "availability_notes": _("For example: two days a week, not in August."),
        }

    def __init__(self, *args, user, competences: dict[str, int] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        self.fields["employment_situation"].choices = [("", "—"), *EmploymentSituation.choices]
        self.fields["home_province"].choices = [("", "—"), *Province.choices]
        self.initial["declared_vat_numbers"] = "\n".join(self.instance.declared_vat_numbers or [])
        self.initial["capacity"] = str(self.instance.capacity or 1)
        competences = competences or {}
        for area, label in AssessmentArea.choices:
            level = competences.get(area)
            self.fields[competence_field_name(area)] = forms.ChoiceField(
                label=label,
                choices=COMPETENCE_LEVELS,
                required=False,
                initial="" if level is None else str(level),
            )

    def clean_declared_vat_numbers(self) -> list[str]:
        entries = checks.split_vat_numbers(self.cleaned_data["declared_vat_numbers"])
        valid, invalid = checks.normalise_vat_numbers(entries)
        if invalid:
            raise forms.ValidationError(
                _("These are not valid Italian VAT numbers: %(numbers)s"),
                params={"numbers": ", ".join(invalid)},
            )
        return valid

    def competence_fields(self) -> list[forms.BoundField]:
        return [self[competence_field_name(area)] for area in AssessmentArea.values]

    def details(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in PROFILE_FIELDS if name in self.cleaned_data}
        values["declared_vat_numbers"] = self.cleaned_data["declared_vat_numbers"]
        for name in ("phone", "city", "linkedin_url", "aldai_number", "career_summary", "availability_notes"):
            values[name] = (values.get(name) or "").strip()
        return values

    def competences(self) -> dict[str, int]:
        levels = {}
        for area in AssessmentArea.values:
            value = self.cleaned_data.get(competence_field_name(area))
            if value not in (None, ""):
                levels[area] = int(value)
        return levels


def _division_choices() -> list[tuple[str, Any]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, title, section in divisions():
        grouped.setdefault(section, []).append((code, f"{code} · {title}"))
    titles = dict(sections())
    return [("", _("— the whole section —"))] + [
        (f"{section} · {titles.get(section, '')}", options) for section, options in grouped.items()
    ]


class SectorForm(forms.Form):
    section = forms.ChoiceField(label=_("ATECO section"), required=False)
    division = forms.ChoiceField(label=_("Division (optional)"), required=False)
    years = forms.IntegerField(label=_("Years"), min_value=1, max_value=60, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "—")] + [
            (code, f"{code} · {title}") for code, title in sections()
        ]
        self.fields["division"].choices = _division_choices()

    def clean(self) -> dict:
        cleaned = super().clean()
        section, division, years = cleaned.get("section"), cleaned.get("division"), cleaned.get("years")
        if not section and not division and not years:
            return cleaned
        section_of = {code: parent for code, _title, parent in divisions()}
        if division and not section:
            cleaned["section"] = section = section_of.get(division, "")
        if not section:
            self.add_error("section", _("Choose the section."))
        elif division and section_of.get(division) != section:
            self.add_error("division", _("This division is not part of the chosen section."))
        if not years:
            self.add_error("years", _("Give the years spent in this sector."))
        return cleaned


class BaseSectorFormSet(forms.BaseFormSet):
    def rows(self) -> list[SectorRow]:
        rows = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            data = form.cleaned_data
            if data.get("section") and data.get("years"):
                rows.append(
                    SectorRow(
                        section=data["section"], division=data.get("division") or "", years=data["years"]
                    )
                )
        return rows

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for row in self.rows():
            key = (row.section, row.division)
            if key in seen:
                raise forms.ValidationError(_("Each sector may be listed once."))
            seen.add(key)


SectorFormSet = forms.formset_factory(
    SectorForm, formset=BaseSectorFormSet, extra=2, can_delete=True, max_num=20, validate_max=True
)


class CvForm(forms.Form):
    cv = forms.FileField(
        label=_("CV (PDF, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": _("Choose your CV as a PDF file."),
            "empty": _("The file is empty. Choose your CV as a PDF file."),
        },
    )


class SubmitForm(forms.Form):
    truthful_declaration = forms.BooleanField(
        label=_(
            "I declare that the information in my profile and CV is true, and I know that false "
            "declarations exclude me from the programme."
        ),
        error_messages={"required": _("Confirm that what you declared is true to submit.")},
    )


class ReviewForm(forms.Form):
    """The rubric: each criterion scored 0-5 with notes. The weighted score is computed, never typed."""

    def __init__(self, *args, weights: dict[str, float], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in MERIT_CRITERIA:
            weight = round(float(weights.get(key, 0)) * 100)
            self.fields[key] = forms.TypedChoiceField(
                label=_("%(criterion)s (weight %(weight)s%%)") % {"criterion": label, "weight": weight},
                choices=SCORE_CHOICES,
                coerce=int,
            )
            self.fields[f"{key}_notes"] = forms.CharField(
                label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def criteria(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[key], self[f"{key}_notes"]) for key in CRITERIA_KEYS]

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in CRITERIA_KEYS}

    def notes(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"{key}_notes"] for key in CRITERIA_KEYS}


class ConflictForm(forms.Form):
    note = forms.CharField(
        label=_("Nature of the conflict"),
        max_length=300,
        help_text=_("For example: a former colleague, a relative, a business partner."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the manager reads"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(
        choices=[
            ("select", _("Select")),
            ("not_select", _("Do not select")),
            ("suspend", _("Suspend")),
            ("reinstate", _("Reinstate")),
        ],
        widget=forms.HiddenInput,
    )


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional, staff read it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that I will be proposed no new SMEs and cannot rejoin this edition on my own."),
        error_messages={"required": _("Tick the box to confirm that you leave the pool.")},
    )


class UnavailabilityForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("To (included)"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The period must end on or after the day it starts."))
        return cleaned


class PoolFilterForm(forms.Form):
    """The competence database's search, read from the query string."""

    text = forms.CharField(label=_("Name, e-mail or town"), required=False)
    area = forms.ChoiceField(label=_("Competence"), required=False)
    minimum_level = forms.TypedChoiceField(
        label=_("at level at least"),
        required=False,
        coerce=int,
        empty_value=1,
        choices=[(str(level), str(level)) for level in range(1, 6)],
    )
    sector = forms.ChoiceField(label=_("Sector (ATECO)"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    available_on = forms.DateField(label=_("Available on"), required=False, widget=DATE_WIDGET)
    minimum_capacity_left = forms.TypedChoiceField(
        label=_("Capacity left"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("any")), ("0", "0+"), ("1", _("at least 1")), ("2", _("at least 2")), ("3", "3")],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("any")), *AssessmentArea.choices]
        self.fields["sector"].choices = [("", _("any")), *sector_choices()]
        self.fields["province"].choices = [("", _("any")), *Province.choices]
        self.fields["status"].choices = [("", _("any"))] + [
            (value, label) for value, label in ManagerStatus.choices if value != ManagerStatus.DRAFT
        ]

    def filters(self) -> PoolFilters:
        if not self.is_valid():
            return PoolFilters()
        data = self.cleaned_data
        return PoolFilters(
            text=data["text"].strip(),
            area=data["area"],
            minimum_level=data["minimum_level"] or 1,
            sector=data["sector"],
            province=data["province"],
            available_on=data["available_on"],
            minimum_capacity_left=data["minimum_capacity_left"],
            status=data["status"],
        )
