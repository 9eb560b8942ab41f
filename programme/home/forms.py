"""Forms of the staff pages on a person's data."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from programme.models import User


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("E-mail address or name"), max_length=200, required=False)


class ErasureForm(forms.Form):
    """Staff type the person's address, so that the erasure is of the person they mean."""

    email = forms.CharField(
        label=_("Type the person's e-mail address to confirm"), max_length=254, strip=True
    )
    reason = forms.CharField(
        label=_("Reason (the request received, its date and how it was checked)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, person: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.lower() != self.person.email.lower():
            raise forms.ValidationError(_("This is not the person's e-mail address."))
        return email
