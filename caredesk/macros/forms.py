"""The macro form of the management page. It lists exactly the fields a request may set;
the rules (scope, placeholders, promise) are checked by ``validation.check_data``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team, User
from caredesk.macros.models import Macro, Scope
from caredesk.macros.placeholders import MAX_BODY
from caredesk.macros.validation import MAX_TITLE, MacroData
from caredesk.promises.models import Kind
from caredesk.tickets.models import SETTABLE_STATUS_CHOICES, Priority

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ME = "me"


def _blank(choices: list[tuple[str, Any]], label: StrOrPromise) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _tags(text: str) -> list[str]:
    return [t for t in (p.strip() for p in (text or "").split(",")) if t]


def _field_lines(text: str) -> dict[str, Any]:
    """key=value lines; a multi select's options separated by commas."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not key.strip():
            continue
        if not sep:
            found[key.strip()] = None  # refused by the check, naming the key
            continue
        value = value.strip()
        found[key.strip()] = [v.strip() for v in value.split(",")] if "," in value else value
    return found


class MacroForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE)
    scope = forms.ChoiceField(label=_("Who can use it"), choices=Scope.choices)
    team = forms.TypedChoiceField(label=_("Team (for a team macro)"), coerce=int, required=False)
    body = forms.CharField(
        label=_("Reply text"),
        required=False,
        max_length=MAX_BODY,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    set_status = forms.ChoiceField(
        label=_("Set status"),
        required=False,
        choices=_blank(SETTABLE_STATUS_CHOICES, _("Leave as it is")),
    )
    set_priority = forms.ChoiceField(
        label=_("Set priority"),
        required=False,
        choices=_blank(Priority.choices, _("Leave as it is")),
    )
    set_team = forms.TypedChoiceField(label=_("Move to team"), coerce=int, required=False)
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    add_tags = forms.CharField(
        label=_("Add tags (comma-separated)"), required=False, max_length=1200
    )
    remove_tags = forms.CharField(
        label=_("Remove tags (comma-separated)"), required=False, max_length=1200
    )
    promise_kind = forms.ChoiceField(
        label=_("Make a promise"), required=False, choices=_blank(Kind.choices, _("No promise"))
    )
    promise_text = forms.CharField(label=_("What is promised"), required=False, max_length=500)
    promise_due_minutes = forms.IntegerField(
        label=_("Due after (minutes)"), required=False, min_value=1, max_value=527_040
    )
    set_fields = forms.CharField(
        label=_("Set custom fields (one key=value a line)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    active = forms.BooleanField(label=_("Active (shown in the reply box)"), required=False)

    def __init__(self, *args: Any, teams: list[Team], staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {t.pk: t for t in teams}
        self.staff = {u.pk: u for u in staff}
        team_choices = [(str(t.pk), t.name) for t in teams]
        team, set_team, assignee = (self.fields[n] for n in ("team", "set_team", "assignee"))
        assert isinstance(team, forms.ChoiceField) and isinstance(set_team, forms.ChoiceField)
        assert isinstance(assignee, forms.ChoiceField)
        team.choices = _blank(team_choices, _("Choose a team"))
        set_team.choices = _blank(team_choices, _("Leave as it is"))
        assignee.choices = [
            ("", _("Leave as it is")),
            (ME, _("Whoever applies it")),
            *((str(u.pk), u.display_name) for u in staff),
        ]

    @classmethod
    def initial_for(cls, macro: Macro) -> dict[str, Any]:
        assignee = ME if macro.assign_to_me else str(macro.set_assignee_id or "")
        return {
            "title": macro.title,
            "scope": macro.scope,
            "team": macro.team_id,
            "body": macro.body,
            "set_status": macro.set_status,
            "set_priority": macro.set_priority,
            "set_team": macro.set_team_id,
            "assignee": assignee,
            "add_tags": ", ".join(macro.add_tags or []),
            "remove_tags": ", ".join(macro.remove_tags or []),
            "promise_kind": macro.promise_kind,
            "promise_text": macro.promise_text,
            "promise_due_minutes": macro.promise_due_minutes,
            "active": macro.active,
            "set_fields": "\n".join(
                f"{k}={', '.join(v) if isinstance(v, list) else v}"
                for k, v in (macro.set_fields or {}).items()
            ),
        }

    def data_for_action(self) -> MacroData:
        d = self.cleaned_data
        assignee = d.get("assignee") or ""
        return MacroData(
            title=d["title"],
            scope=d["scope"],
            team=self.teams.get(d["team"]) if d.get("team") else None,
            body=d.get("body") or "",
            set_status=d.get("set_status") or "",
            set_priority=d.get("set_priority") or "",
            set_team=self.teams.get(d["set_team"]) if d.get("set_team") else None,
            assign_to_me=assignee == ME,
            set_assignee=self.staff.get(int(assignee)) if assignee.isdigit() else None,
            add_tags=_tags(d.get("add_tags") or ""),
            remove_tags=_tags(d.get("remove_tags") or ""),
            promise_kind=d.get("promise_kind") or "",
            promise_text=d.get("promise_text") or "",
            promise_due_minutes=d.get("promise_due_minutes"),
            active=bool(d.get("active")),
            set_fields=_field_lines(d.get("set_fields") or ""),
        )
