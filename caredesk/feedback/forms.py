from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import User
from caredesk.feedback.models import DECIDED_OUTCOMES, FeedbackKind, ReviewOutcome

MAX_BODY = 5000


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        choices=FeedbackKind.choices, widget=forms.RadioSelect, label=_("Kind of feedback")
    )
    agent = forms.TypedChoiceField(coerce=int, label=_("About"))
    body = forms.CharField(
        max_length=MAX_BODY,
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5, "id": "feedback-body"}),
    )

    def __init__(self, *args: Any, agents: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agents = agents
        cast(forms.ChoiceField, self.fields["agent"]).choices = [
            (a.pk, a.display_name) for a in agents
        ]
        self.fields["agent"].widget.attrs["id"] = "feedback-agent"

    def chosen_agent(self) -> User:
        return next(a for a in self.agents if a.pk == self.cleaned_data["agent"])


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(v, ReviewOutcome(v).label) for v in DECIDED_OUTCOMES],
        widget=forms.RadioSelect,
        label=_("Outcome"),
    )
    reason = forms.CharField(
        max_length=MAX_BODY,
        label=_("Reason (the agent sees this)"),
        widget=forms.Textarea(attrs={"rows": 4, "id": "review-reason"}),
    )


class RatingForm(forms.Form):
    """The survey's optional comment (the rating comes from the link or the buttons)."""

    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "id": "csat-comment", "maxlength": 2000}),
        error_messages={
            "max_length": _("Please keep it under 2,000 characters (you wrote %(show_value)s).")
        },
    )
