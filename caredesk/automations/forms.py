"""The automation form: when (events or a time in a state), the conditions, and up to
``ROWS`` action rows. It lists exactly the fields a request may set; the rules are
checked by ``validation.check``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team, User
from caredesk.automations import steps
from caredesk.automations.kinds import EVENT_KINDS
from caredesk.automations.models import Automation, TimeState, Trigger
from caredesk.automations.validation import MAX_NAME, AutomationData
from caredesk.customers.models import Tier
from caredesk.macros.models import Macro
from caredesk.macros.placeholders import MAX_BODY
from caredesk.tickets.models import SETTABLE_STATUS_CHOICES, Channel, Priority

ROWS = 5


def _labelled(text: str, label: object) -> str:
    return gettext(text) % {"label": label}


labelled = lazy(_labelled, str)
VALUE_CHOICES = [
    ("", "—"),
    *[
        (f"status:{v}", labelled(gettext_noop("Status: %(label)s"), label))
        for v, label in SETTABLE_STATUS_CHOICES
    ],
    *[
        (f"priority:{v}", labelled(gettext_noop("Priority: %(label)s"), label))
        for v, label in Priority.choices
    ],
]
CHECKS = forms.CheckboxSelectMultiple


def _list(text: str) -> list[str]:
    return [t for t in (p.strip() for p in (text or "").split(",")) if t]


class AutomationForm(forms.Form):
    name = forms.CharField(max_length=MAX_NAME)
    trigger = forms.ChoiceField(label=_("Runs"), choices=Trigger.choices, widget=forms.RadioSelect)
    events = forms.MultipleChoiceField(
        label=_("When"), required=False, choices=list(EVENT_KINDS.items()), widget=CHECKS
    )
    time_state = forms.ChoiceField(
        label=_("The case stays"), required=False, choices=[("", "—"), *TimeState.choices]
    )
    time_status = forms.ChoiceField(
        label=_("In status"), required=False, choices=[("", "—"), *SETTABLE_STATUS_CHOICES]
    )
    time_hours = forms.DecimalField(
        label=_("For (hours)"), required=False, min_value=0.02, max_value=8784, decimal_places=2
    )
    time_business = forms.BooleanField(
        label=_("Count only business hours of the case's calendar"), required=False
    )
    channels = forms.MultipleChoiceField(required=False, choices=Channel.choices, widget=CHECKS)
    teams = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=CHECKS)
    priorities = forms.MultipleChoiceField(required=False, choices=Priority.choices, widget=CHECKS)
    statuses = forms.MultipleChoiceField(
        required=False, choices=SETTABLE_STATUS_CHOICES, widget=CHECKS
    )
    tiers = forms.MultipleChoiceField(
        label=_("Customer tier"), required=False, choices=Tier.choices, widget=CHECKS
    )
    tags_all = forms.CharField(label=_("Has all these tags"), required=False, max_length=1200)
    tags_none = forms.CharField(label=_("Has none of these tags"), required=False, max_length=1200)
    words = forms.CharField(
        label=_("Any of these words (subject or message)"), required=False, max_length=1300
    )
    assigned = forms.ChoiceField(
        required=False, choices=[("", _("Either")), ("yes", _("Assigned")), ("no", _("Unassigned"))]
    )
    business_hours = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any time")),
            ("open", _("Inside business hours")),
            ("closed", _("Outside")),
        ],
    )
    time_from = forms.CharField(label=_("From (HH:MM)"), required=False, max_length=5)
    time_to = forms.CharField(label=_("To (HH:MM)"), required=False, max_length=5)
    active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(
        self,
        *args: Any,
        teams: list[Team],
        staff: list[User],
        macros: list[Macro],
        endpoints: dict[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        team_choices = [(t.pk, t.name) for t in teams]
        self.fields["teams"].choices = team_choices  # type: ignore[attr-defined]
        people = [("", "—"), *[(u.pk, u.display_name) for u in staff]]
        for n in range(ROWS):
            self.fields[f"a{n}_kind"] = forms.ChoiceField(
                label=_("Action"), required=False, choices=[("", "—"), *steps.KINDS.items()]
            )
            self.fields[f"a{n}_value"] = forms.ChoiceField(
                label=_("Status or priority"), required=False, choices=VALUE_CHOICES
            )
            self.fields[f"a{n}_tags"] = forms.CharField(
                label=_("Tags"), required=False, max_length=1200
            )
            self.fields[f"a{n}_user"] = forms.TypedChoiceField(
                label=_("Person"), required=False, coerce=int, choices=people, empty_value=None
            )
            self.fields[f"a{n}_team"] = forms.TypedChoiceField(
                label=_("Team"),
                required=False,
                coerce=int,
                choices=[("", "—"), *team_choices],
                empty_value=None,
            )
            self.fields[f"a{n}_macro"] = forms.TypedChoiceField(
                label=_("Macro"),
                required=False,
                coerce=int,
                choices=[("", "—"), *[(m.pk, m.title) for m in macros]],
                empty_value=None,
            )
            self.fields[f"a{n}_endpoint"] = forms.TypedChoiceField(
                label=_("Webhook"),
                required=False,
                coerce=int,
                choices=[("", "—"), *endpoints.items()],
                empty_value=None,
            )
            self.fields[f"a{n}_to"] = forms.ChoiceField(
                label=_("Notify"),
                required=False,
                choices=[
                    ("", "—"),
                    ("assignee", _("The assignee")),
                    ("team_lead", _("The team's lead")),
                    ("user", _("The person chosen")),
                ],
            )
            self.fields[f"a{n}_text"] = forms.CharField(
                label=_("Text (notice, or the mail with placeholders)"),
                required=False,
                max_length=MAX_BODY,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def rows(self) -> list[list[forms.BoundField]]:
        names = ("kind", "value", "tags", "user", "team", "macro", "endpoint", "to", "text")
        return [[self[f"a{n}_{name}"] for name in names] for n in range(ROWS)]

    def _step(self, n: int) -> dict[str, Any] | None:
        d = self.cleaned_data
        kind = d.get(f"a{n}_kind") or ""
        if not kind:
            return None
        value = str(d.get(f"a{n}_value") or "")
        text = str(d.get(f"a{n}_text") or "")
        return {
            "kind": kind,
            "value": value.split(":", 1)[1] if ":" in value else value,
            "tags": _list(d.get(f"a{n}_tags") or ""),
            "user_id": d.get(f"a{n}_user"),
            "team_id": d.get(f"a{n}_team"),
            "macro_id": d.get(f"a{n}_macro"),
            "endpoint_id": d.get(f"a{n}_endpoint"),
            "to": d.get(f"a{n}_to") or "",
            "text": text,
            "body": text,
        }

    def data_for_action(self) -> AutomationData:
        d = self.cleaned_data
        hours = d.get("time_hours")
        conditions = {
            "channels": d.get("channels") or [],
            "team_ids": d.get("teams") or [],
            "priorities": d.get("priorities") or [],
            "statuses": d.get("statuses") or [],
            "tiers": d.get("tiers") or [],
            "tags_all": _list(d.get("tags_all") or ""),
            "tags_none": _list(d.get("tags_none") or ""),
            "words": _list(d.get("words") or ""),
            "assigned": d.get("assigned") or "",
            "business_hours": d.get("business_hours") or "",
            "time_from": d.get("time_from") or "",
            "time_to": d.get("time_to") or "",
        }
        return AutomationData(
            name=d["name"],
            trigger=d["trigger"],
            events=list(d.get("events") or []),
            time_state=d.get("time_state") or "",
            time_status=d.get("time_status") or "",
            time_minutes=round(float(hours) * 60) if hours is not None else None,
            time_business=bool(d.get("time_business")),
            conditions={k: v for k, v in conditions.items() if v not in ("", [])},
            actions=[s for s in (self._step(n) for n in range(ROWS)) if s is not None],
            active=bool(d.get("active")),
        )

    @staticmethod
    def initial_for(a: Automation) -> dict[str, Any]:
        c = a.conditions
        initial: dict[str, Any] = {
            "name": a.name,
            "trigger": a.trigger,
            "events": a.events,
            "time_state": a.time_state,
            "time_status": a.time_status,
            "time_hours": round(a.time_minutes / 60, 2) if a.time_minutes else None,
            "time_business": a.time_business,
            "channels": c.get("channels", []),
            "teams": c.get("team_ids", []),
            "priorities": c.get("priorities", []),
            "statuses": c.get("statuses", []),
            "tiers": c.get("tiers", []),
            "tags_all": ", ".join(c.get("tags_all", [])),
            "tags_none": ", ".join(c.get("tags_none", [])),
            "words": ", ".join(c.get("words", [])),
            "assigned": c.get("assigned", ""),
            "business_hours": c.get("business_hours", ""),
            "time_from": c.get("time_from", ""),
            "time_to": c.get("time_to", ""),
            "active": a.active,
        }
        for n, step in enumerate(a.actions[:ROWS]):
            kind = step.get("kind", "")
            initial[f"a{n}_kind"] = kind
            if kind in ("status", "priority"):
                initial[f"a{n}_value"] = f"{kind}:{step.get('value', '')}"
            initial[f"a{n}_tags"] = ", ".join(step.get("tags", []))
            initial[f"a{n}_user"] = step.get("user_id")
            initial[f"a{n}_team"] = step.get("team_id")
            initial[f"a{n}_macro"] = step.get("macro_id")
            initial[f"a{n}_endpoint"] = step.get("endpoint_id")
            initial[f"a{n}_to"] = step.get("to", "")
            initial[f"a{n}_text"] = step.get("body") or step.get("text") or ""
        return initial
