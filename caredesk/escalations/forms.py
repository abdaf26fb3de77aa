from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caredesk.accounts.models import Role, User
from caredesk.escalations.models import APPROVER_ROLES, ActionType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_TEXT = 5000
LEVEL_CHOICES = [(r, Role(r).label) for r in APPROVER_ROLES]
DECISION_CHOICES = [
    ("approve", _("Approve")),
    ("approve_other", _("Approve a different amount")),
    ("deny", _("Deny")),
]


def _text(
    label: StrOrPromise, *, required: bool = True, rows: int = 3, id_: str = ""
) -> forms.CharField:
    attrs: dict[str, Any] = {"rows": rows}
    if id_:
        attrs["id"] = id_
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=attrs),
    )


class EscalateForm(forms.Form):
    level = forms.ChoiceField(choices=LEVEL_CHOICES, initial=Role.LEAD, label=_("Escalate to"))
    reason = _text(_("Reason"), id_="escalate-reason")
    handoff_summary = _text(
        _("Handoff summary (what was tried, what is needed)"),
        required=False,
        id_="escalate-summary",
    )


class AnswerForm(forms.Form):
    resolution = _text(
        _("Your answer (the person who escalated sees it)"), id_="answer-text", rows=4
    )


class GoodwillForm(forms.Form):
    action_type = forms.TypedChoiceField(coerce=int, label=_("Action"))
    amount = forms.CharField(max_length=20, required=False, label=_("Amount"))
    reason = _text(_("Reason"), id_="goodwill-reason")

    def __init__(self, *args: Any, types: list[ActionType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = types
        cast(forms.ChoiceField, self.fields["action_type"]).choices = [
            (t.pk, t.name) for t in types
        ]

    def chosen_type(self) -> ActionType:
        return next(t for t in self.types if t.pk == self.cleaned_data["action_type"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=DECISION_CHOICES, widget=forms.RadioSelect, label=_("Decision")
    )
    amount = forms.CharField(max_length=20, required=False, label=_("Different amount"))
    reason = _text(_("Reason (the agent sees it)"), required=False, id_="decision-reason")


class EndConversationForm(forms.Form):
    reason = _text(_("What happened (for the lead's review)"), required=False, id_="end-reason")


class SupervisorForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        required=False,
        label=_("What should the supervisor know? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3, "id": "supervisor-reason"}),
    )


class DelegationForm(forms.Form):
    delegate = forms.TypedChoiceField(coerce=int, label=_("Who decides for you"))
    starts_at = forms.DateTimeField(
        label=pgettext_lazy("delegation starts", "From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(max_length=300, required=False, label=_("Note (optional)"))

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        cast(forms.ChoiceField, self.fields["delegate"]).choices = [
            (u.pk, f"{u.display_name} ({u.get_role_display()})") for u in people
        ]

    def chosen(self) -> User:
        return next(u for u in self.people if u.pk == self.cleaned_data["delegate"])
