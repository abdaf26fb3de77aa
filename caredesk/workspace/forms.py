"""Forms of the agent workspace. Each lists exactly the fields a request may set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caredesk.accounts import directory
from caredesk.accounts.models import Team, User
from caredesk.customers.models import Tier
from caredesk.promises.models import Kind as PromiseKind
from caredesk.tickets.models import SETTABLE_STATUS_CHOICES, Priority, Status
from caredesk.workspace.widget_html import fast_widgets

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LoginForm(forms.Form):
    # An email address; with the directory on (CAREDESK_LDAP_URL) also a directory user
    # name, so the field takes any text and checks the email shape only without it.
    email = forms.CharField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(max_length=1024, strip=False, widget=forms.PasswordInput)

    def clean_email(self) -> str:
        value = str(self.cleaned_data["email"]).strip().lower()
        if directory.config() is None:
            validate_email(value)
        return value


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


TABS = {
    "mine": _("Mine"),
    "teams": _("My teams"),
    "unassigned": _("Unassigned"),
    "open": _("All open"),
    "resolved": _("Recently resolved"),
}
SORTS = {
    "updated": _("Last updated"),
    "waiting": _("Oldest waiting"),
    "priority": _("Priority"),
    "created": _("Newest created"),
    "promises": _("Promises due"),
}


def _blank(choices: list[tuple[str, str]], label: StrOrPromise) -> list[tuple[str, StrOrPromise]]:
    return [("", label), *choices]


class InboxFilterForm(forms.Form):
    """Every field is optional; values that are not valid are ignored (and said so)."""

    # Drawn on every inbox load: the widgets are built in Python (same HTML as Django's).
    default_renderer = fast_widgets

    status = forms.ChoiceField(required=False, choices=_blank(Status.choices, _("Any status")))
    priority = forms.ChoiceField(
        required=False, choices=_blank(Priority.choices, _("Any priority"))
    )
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    tag = forms.CharField(required=False, max_length=50)
    tier = forms.ChoiceField(required=False, choices=_blank(Tier.choices, _("Any tier")))
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()))

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.TypedChoiceField)
        team_field.choices = [("", _("Any team")), *((str(t.pk), t.name) for t in teams)]


def _body_field(label: StrOrPromise, field_id: str, placeholder: StrOrPromise) -> forms.CharField:
    # Emptiness and length are checked by the action, with the same words on every channel.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"id": field_id, "rows": 6, "placeholder": placeholder}),
    )


def _recipients_field(label: StrOrPromise, field_id: str) -> forms.CharField:
    # Parsed and checked by the action (caredesk.tickets.recipients): at most 20 addresses.
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.TextInput(
            attrs={
                "id": field_id,
                "type": "text",
                "inputmode": "email",
                "autocomplete": "off",
                "placeholder": "name@example.com, other@example.com",
            }
        ),
    )


def _minutes_field(field_id: str) -> forms.CharField:
    # Text, so the action words the refusal of "abc" or 10000 like every channel does.
    return forms.CharField(
        label=_("Time spent (minutes)"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "id": field_id,
                "inputmode": "numeric",
                "autocomplete": "off",
                "size": 6,
                "placeholder": "0-1440",
            }
        ),
    )


class ReplyForm(forms.Form):
    body = _body_field(_("Reply to the customer"), "reply-body", _("Write a public reply…"))
    cc = _recipients_field(_("Cc"), "reply-cc")
    bcc = _recipients_field(_("Bcc"), "reply-bcc")
    minutes = _minutes_field("reply-minutes")
    status_after = forms.ChoiceField(
        label=_("Status after sending"),
        choices=SETTABLE_STATUS_CHOICES,
        initial=Status.WAITING_CUSTOMER,
    )

    # Optional promise made with the reply (caredesk.promises); no kind means no promise.
    promise_kind = forms.ChoiceField(
        label=_("Kind of promise"),
        required=False,
        choices=[("", _("No promise")), *PromiseKind.choices],
    )
    promise_text = forms.CharField(
        label=_("What we promise"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"id": "reply-promise-text"}),
    )
    promise_due = forms.CharField(
        label=_("Promise due"),
        required=False,
        max_length=40,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "id": "reply-promise-due"}),
    )
    promise_visible = forms.BooleanField(
        label=_("The customer sees this promise"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"id": "reply-promise-visible"}),
    )
    # The coverage check (caredesk.enrichment.replies): "Send anyway" after a warning,
    # and whether this draft was warned about before (drawn by the warning panel).
    send_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)
    coverage_warned = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reply")
        super().__init__(*args, **kwargs)
        self.fields["status_after"].widget.attrs["id"] = "reply-status-after"


class NoteForm(forms.Form):
    body = _body_field(_("Internal note (staff only)"), "note-body", _("Only staff will see this…"))
    minutes = _minutes_field("note-minutes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)


class ForwardForm(forms.Form):
    """Forward the case by mail (caredesk.tickets.forward); the action checks the rest."""

    to = _recipients_field(_("Forward to"), "forward-to")
    note = forms.CharField(
        label=_("Note on top (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"id": "forward-note", "rows": 3}),
    )
    include = forms.ChoiceField(
        label=_("What to forward"),
        choices=[("all", _("The whole conversation")), ("last", _("Only the last message"))],
        initial="all",
        widget=forms.RadioSelect(attrs={"class": "inline-choices"}),
    )
    internal_notes = forms.BooleanField(
        label=_("Include internal notes"),
        required=False,
        widget=forms.CheckboxInput(attrs={"id": "forward-internal-notes"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "forward")
        kwargs.setdefault("auto_id", "forward-%s")
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.attrs["id"] = "forward-to"


class AssignForm(forms.Form):
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    handoff_note = forms.CharField(
        label=_("Handoff note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What should the next person know?")}
        ),
    )

    def __init__(self, *args: Any, teams: list[Team], staff: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "assign-%s")
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assignee_field = self.fields["assignee"]
        assert isinstance(team_field, forms.TypedChoiceField)
        assert isinstance(assignee_field, forms.TypedChoiceField)
        team_field.choices = [("", _("No team")), *((str(t.pk), t.name) for t in teams)]
        assignee_field.choices = [("", _("Nobody")), *((str(u.pk), staff_label(u)) for u in staff)]


def staff_label(user: User) -> str:
    teams = ", ".join(t.name for t in user.teams.all())
    label = f"{user.display_name} ({teams})" if teams else user.display_name
    return gettext("%(name)s — away") % {"name": label} if user.is_away else label


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=SETTABLE_STATUS_CHOICES)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices)


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"id": "tags-input", "placeholder": "refund, late-delivery"}),
    )

    def names(self) -> list[str]:
        return [part for part in str(self.cleaned_data.get("tags", "")).split(",") if part.strip()]
