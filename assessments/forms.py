"""Forms of matching and of the manager's answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Staff read it; the SME does not."),
    )


class SwapForm(forms.Form):
    manager = forms.TypedChoiceField(label=_("Another manager"), coerce=int)

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = choices
