"""The SME's feedback form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

RATING_CHOICES = [
    (5, _("5 - excellent")),
    (4, _("4 - good")),
    (3, _("3 - fair")),
    (2, _("2 - poor")),
    (1, _("1 - very poor")),
]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the assessment to your company?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Programme staff read it; your manager does not."),
    )
