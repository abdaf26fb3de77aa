"""The demo's incident history: one resolved incident (the carrier's delay in the north)
for the two priority organizations, with an update and the resolution, through the
incident actions. The loader suppresses effects, so nobody is mailed."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.demo.people import DemoDesk
from caredesk.incidents import actions, audience
from caredesk.incidents.models import Incident

TITLE = "Deliveries two days late in the north"


def ensure_incident(desk: DemoDesk, now: datetime) -> Incident | None:
    existing = Incident.objects.filter(title=TITLE).first()
    if existing is not None:
        return existing
    lead = desk.staff["lena"]
    orgs = [desk.orgs[key].pk for key in ("riverside", "maplecourt") if key in desk.orgs]
    if not orgs:
        return None
    start = now - timedelta(days=12)
    declared = actions.do_declare_incident(
        actor=lead,
        title=TITLE,
        public_text=(
            "Our carrier's northern depot is closed after a flood, so deliveries there are "
            "about two days late. Your order is safe and will arrive; you do not need to do "
            "anything. We will write again when the depot reopens."
        ),
        rule=audience.make_rule(organization_ids=orgs),
        now=start,
    )
    actions.do_post_update(
        declared.incident,
        actor=lead,
        body="The depot reopened this morning; the delayed parcels go out over the next day.",
        essential=False,
        now=start + timedelta(days=2),
    )
    actions.do_resolve_incident(
        declared.incident,
        actor=lead,
        body="Every delayed parcel has been delivered. Thank you for your patience.",
        now=start + timedelta(days=3),
    )
    return declared.incident
