"""The demo desk's shared saved views, made through the saved-view actions by a member
of each team; get-or-create by name."""

from __future__ import annotations

from datetime import datetime

from caredesk.demo.people import DemoDesk
from caredesk.savedviews.actions import ViewData, do_create_view
from caredesk.savedviews.models import SavedView

# (name, team slug, filters, sort)
VIEWS = (
    ("Deliveries: urgent and high", "deliveries", {"priority": ["high", "urgent"]}, "priority"),
    ("Billing: SLA at risk", "billing", {"my_teams": True, "sla": "warned"}, "waiting"),
)


def ensure_views(desk: DemoDesk, now: datetime) -> None:
    for name, slug, filters, sort in VIEWS:
        team = desk.teams.get(slug)
        members = desk.members.get(slug) or []
        if team is None or not members or SavedView.objects.filter(name=name).exists():
            continue
        author = desk.staff[members[0]]
        data = ViewData(name=name, visibility="team", team=team, filters=filters, sort=sort)
        do_create_view(actor=author, data=data, now=now)
