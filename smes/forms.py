"""Forms of the SME app: the application's steps, staff's decisions and the list's filters."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programme.models import Language
from programme.reference import AssessmentArea, Province, activity, sections
from smes import eligibility, identifiers
from smes.models import (
    EARLIEST_FOUNDING_YEAR,
    MAX_EMPLOYEES,
    MAX_EUROS,
    Application,
    ApplicationStatus,
    Company,
    PreferredPeriod,
    SizeClass,
)
from smes.queries import SORTS

IDENTIFIER_MESSAGES = {
    "vat_format": _("A VAT number has 11 digits, for example 01234560157."),
    "vat_check_digit": _("This VAT number is not valid: please check its digits."),
    "tax_code_format": _("A company's tax code has 11 digits, or 16 characters for a sole trader."),
    "tax_code_check_digit": _("This tax code is not valid: please check it."),
    "personal_tax_code_format": _("A person's tax code has 16 characters, for example RSSMRA80A01F205X."),
    "personal_tax_code_check_digit": _("This tax code is not valid: please check it."),
}

# Detailed enough to place the company: a class (25.62) or finer, not a whole division.
ATECO_DETAILED_LEVELS = ("class", "category", "subcategory")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ./-]{5,18}$")
POSTAL_CODE_PATTERN = re.compile(r"^[0-9]{5}$")
MIN_DESCRIPTION_LENGTH = 80


def _identifier(value: str, clean) -> str:
    try:
        return clean(value)
    except identifiers.InvalidIdentifier as error:
        raise forms.ValidationError(IDENTIFIER_MESSAGES[error.code], code=error.code) from error


class CompanyForm(forms.ModelForm):
    """Step 1: the company, as in its registration at the Chamber of Commerce."""

    province = forms.ChoiceField(
        label=_("Province"),
        choices=[("", "---------"), *Province.choices],
        error_messages={"invalid_choice": _("Choose one of Lombardy's twelve provinces.")},
    )
    employees = forms.IntegerField(
        label=_("Employees"),
        min_value=0,
        max_value=MAX_EMPLOYEES,
        help_text=_("Annual work units (ULA) in the last approved financial year."),
    )
    turnover = forms.DecimalField(
        label=_("Annual turnover (EUR)"),
        min_value=Decimal(0),
        max_value=Decimal(MAX_EUROS),
        max_digits=14,
        decimal_places=2,
        help_text=_("From the last approved financial statements."),
    )
    balance_sheet_total = forms.DecimalField(
        label=_("Balance-sheet total (EUR)"),
        min_value=Decimal(0),
        max_value=Decimal(MAX_EUROS),
        max_digits=14,
        decimal_places=2,
        help_text=_("Total assets in the last approved financial statements."),
    )
    year_founded = forms.IntegerField(label=_("Year founded"), min_value=EARLIEST_FOUNDING_YEAR)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Company
        fields = [
            "legal_name",
            "vat_number",
            "tax_code",
            "ateco_code",
            "address",
            "postal_code",
            "municipality",
            "province",
            "pec",
            "employees",
            "turnover",
            "balance_sheet_total",
            "year_founded",
            "website",
        ]
        labels = {
            "legal_name": _("Legal name"),
            "vat_number": _("VAT number"),
            "tax_code": _("Tax code"),
            "ateco_code": _("ATECO activity code"),
            "address": _("Registered office: street and number"),
            "postal_code": _("Postcode"),
            "municipality": _("Municipality"),
            "pec": _("Certified e-mail address (PEC)"),
        }
        help_texts = {
            "ateco_code": _(
                "The main activity code (ATECO 2025), as in the company's registration, e.g. 25.62.00."
            ),
            "tax_code": _("For most companies the same 11 digits as the VAT number."),
        }
        widgets = {
            "municipality": forms.TextInput(attrs={"list": "lombard-municipalities", "autocomplete": "off"})
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year_founded"].max_value = timezone.localdate().year
        self.fields["year_founded"].validators.append(MaxValueValidator(timezone.localdate().year))
        self.municipality_code = ""

    def clean_vat_number(self) -> str:
        return _identifier(self.cleaned_data["vat_number"], identifiers.clean_vat_number)

    def clean_tax_code(self) -> str:
        return _identifier(self.cleaned_data["tax_code"], identifiers.clean_company_tax_code)

    def clean_ateco_code(self) -> str:
        found = activity(self.cleaned_data["ateco_code"])
        if found is None:
            raise forms.ValidationError(
                _("This is not an ATECO code in ISTAT's classification (2025 edition)."), code="ateco_unknown"
            )
        if found.level not in ATECO_DETAILED_LEVELS:
            raise forms.ValidationError(
                _("Give the code of the company's activity in full, for example 25.62.00."),
                code="ateco_too_broad",
            )
        return found.code

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not POSTAL_CODE_PATTERN.match(value):
            raise forms.ValidationError(_("A postcode has 5 digits."), code="postal_code")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name, province = cleaned.get("municipality"), cleaned.get("province")
        if name and province:
            found = identifiers.find_municipality(name, province)
            if found is None:
                elsewhere = identifiers.municipality_provinces(name)
                if elsewhere:
                    self.add_error(
                        "municipality",
                        forms.ValidationError(
                            _("%(name)s is in the province of %(other)s, not %(province)s."),
                            code="municipality_province",
                            params={
                                "name": name,
                                "other": Province(elsewhere[0]).label,
                                "province": Province(province).label,
                            },
                        ),
                    )
                else:
                    self.add_error(
                        "municipality",
                        forms.ValidationError(
                            _("%(name)s is not a municipality of Lombardy in ISTAT's list."),
                            code="municipality_unknown",
                            params={"name": name},
                        ),
                    )
            else:
                cleaned["municipality"] = found.name
                self.municipality_code = found.code
        return cleaned

    def validate_unique(self) -> None:
        # A VAT number already on the portal is the service's business: it tells the
        # applicant only that the company has applied, and tells staff.
        return

    def values(self) -> dict[str, Any]:
        return {**self.cleaned_data, "municipality_code": self.municipality_code}


class PeopleForm(forms.ModelForm):
    """Step 2: who legally represents the company, and who the programme talks to."""

    class Meta:
        model = Application
        fields = [
            "legal_representative_first_name",
            "legal_representative_last_name",
            "legal_representative_tax_code",
            "legal_representative_role",
            "contact_first_name",
            "contact_last_name",
            "contact_role",
            "contact_email",
            "contact_phone",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = name != "contact_role"

    def clean_legal_representative_tax_code(self) -> str:
        return _identifier(
            self.cleaned_data["legal_representative_tax_code"], identifiers.clean_personal_tax_code
        )

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data["contact_phone"].strip()
        if not PHONE_PATTERN.match(value):
            raise forms.ValidationError(
                _("Give a telephone number, for example +39 02 1234567."), code="phone"
            )
        return value

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class NeedsForm(forms.ModelForm):
    """Step 3: what the company wants to improve, and when the assessment would suit it."""

    needs = forms.MultipleChoiceField(
        label=_("Areas you want to improve"),
        choices=AssessmentArea.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more: they guide the choice of your manager."),
        error_messages={"required": _("Choose at least one area.")},
    )
    preferred_period = forms.ChoiceField(
        label=_("When would the assessment suit you?"), choices=[("", "---------"), *PreferredPeriod.choices]
    )

    class Meta:
        model = Application
        fields = ["needs", "needs_description", "preferred_period", "period_notes"]
        labels = {
            "needs_description": _("Your company's situation and challenges"),
            "period_notes": _("Notes on the period (optional)"),
        }
        help_texts = {
            "needs_description": _(
                "What the company does, where it stands and what it wants to achieve: a few sentences help us "
                "find the right manager."
            ),
            "period_notes": _("For example: not in August, or after the spring trade fair."),
        }
        widgets = {"needs_description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs_description"].required = True

    def clean_needs_description(self) -> str:
        value = self.cleaned_data["needs_description"].strip()
        if len(value) < MIN_DESCRIPTION_LENGTH:
            raise forms.ValidationError(
                _("Please write at least %(count)s characters (now %(length)s)."),
                code="too_short",
                params={"count": MIN_DESCRIPTION_LENGTH, "length": len(value)},
            )
        return value

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DeclarationsForm(forms.Form):
    """Step 4: the privacy notice and the declarations, made in the legal representative's name."""

    privacy_accepted = forms.BooleanField(
        label=_(
            "I have read the privacy notice on how the programme processes the company's and our personal data."
        ),
        error_messages={"required": _("The application cannot go ahead without reading the privacy notice.")},
    )
    declares_sme = forms.BooleanField(
        label=_(
            "The company is a micro, small or medium enterprise under EU Recommendation 2003/361/EC, "
            "counting its partner and linked enterprises."
        ),
        error_messages={"required": _("This declaration is required to apply.")},
    )
    declares_not_in_difficulty = forms.BooleanField(
        label=_("The company is not in liquidation, bankruptcy or other insolvency proceedings."),
        error_messages={"required": _("This declaration is required to apply.")},
    )
    declares_de_minimis = forms.BooleanField(
        label=_(
            "The company knows that the free assessment is aid granted under the de minimis rules and "
            "will declare the de minimis aid it received when asked."
        ),
        error_messages={"required": _("This declaration is required to apply.")},
    )
    declares_truthful = forms.BooleanField(
        label=_(
            "What is stated in this application is true, aware of the penalties for false statements "
            "(articles 46, 47 and 76 of Presidential Decree 445/2000)."
        ),
        error_messages={"required": _("This declaration is required to apply.")},
    )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional for the company; required when staff withdraw an application."),
    )


class InviteColleagueForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(label=_("Language of their e-mails"), choices=Language.choices)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("eligible", _("Eligible")), ("ineligible", _("Not eligible"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason the company reads"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the application is not eligible."),
    )


class OverruleForm(forms.Form):
    rule = forms.ChoiceField(
        label=_("Rule"), choices=[(rule, label) for rule, label in eligibility.RULE_LABELS.items()]
    )
    reason = forms.CharField(
        label=_("Why the rule is overruled"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the company reads"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


SORT_LABELS = {
    "-submitted": _("Newest submissions first"),
    "submitted": _("Oldest submissions first"),
    "name": _("Name A-Z"),
    "-name": _("Name Z-A"),
    "employees": _("Fewest employees first"),
    "-employees": _("Most employees first"),
    "province": _("Province"),
    "status": _("Status"),
    "waitlist": _("Waiting-list position"),
}


class ApplicationFilterForm(forms.Form):
    """The staff list's filters; a value it does not know is dropped, not an error page."""

    q = forms.CharField(label=_("Name or VAT number"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any")),
            *[
                (value, label)
                for value, label in ApplicationStatus.choices
                if value != ApplicationStatus.DRAFT
            ],
        ],
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", _("Any")), *Province.choices]
    )
    sector = forms.ChoiceField(label=_("Sector (ATECO section)"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size"), required=False, choices=[("", _("Any")), *SizeClass.choices]
    )
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(key, SORT_LABELS[key]) for key in SORTS]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [
            ("", _("Any")),
            *[(letter, f"{letter} - {title}") for letter, title in sections()],
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is left out so the list still shows."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
