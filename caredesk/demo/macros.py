"""The demo desk's macros: the replies Brightside's agents write every day, with the
changes that go with them. Created through the macro actions; get-or-create by title."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from caredesk.demo.people import DemoDesk
from caredesk.macros.actions import do_create_macro
from caredesk.macros.models import Macro, Scope
from caredesk.macros.validation import MacroData
from caredesk.tickets.models import Status

# The generated cases close with this one (script step "macro"), so its usage count is real.
RESOLVED = "Sorted - resolving"


@dataclass(frozen=True)
class MacroSpec:
    title: str
    author: str  # staff key
    scope: str
    body: str
    team: str = ""  # team slug
    fields: dict[str, object] = field(default_factory=dict)


MACROS = (
    MacroSpec(
        RESOLVED,
        "dana",
        Scope.GLOBAL,
        "Hi {{ customer.first_name }},\n\nThank you for your patience. This is now sorted on "
        "our side; I'll mark the case as resolved. If anything isn't right, just reply and "
        "it comes straight back to us.\n\n{{ agent.first_name }}",
    ),
    MacroSpec(
        "Delivery window explained",
        "lena",
        Scope.TEAM,
        "Hi {{ customer.first_name }},\n\nI'm sorry you waited in. Our drivers plan their "
        "routes by area, so every delivery gets a four-hour window rather than a fixed time; "
        "it is on page 2 of your receipt and we confirm it on the scheduling call. The "
        "driver rings 30 minutes before arriving.\n\nI have asked dispatch to make you an "
        "early stop next time ({{ case.reference }}).\n\n{{ agent.name }}, Deliveries",
        team="deliveries",
        fields={"add_tags": ["delivery-window"], "set_status": Status.WAITING_CUSTOMER},
    ),
    MacroSpec(
        "Missing item - redelivery booked",
        "lena",
        Scope.TEAM,
        "Hi {{ customer.first_name }},\n\nI'm sorry - the item was left off the van by our "
        "warehouse, and that is our mistake. I have booked a redelivery at no cost and will "
        "confirm the slot by {{ promise.due }}.\n\n{{ agent.name }}, Deliveries",
        team="deliveries",
        fields={
            "add_tags": ["redelivery"],
            "promise_kind": "update",
            "promise_text": "Confirm the redelivery slot",
            "promise_due_minutes": 24 * 60,
        },
    ),
    MacroSpec(
        "Refund on its way",
        "max",
        Scope.TEAM,
        "Hi {{ customer.first_name }},\n\nYour refund has been sent back to the card you "
        "paid with. Banks usually show it within 3-5 working days. Quote {{ case.reference }} "
        "if you need to chase it with us.\n\n{{ agent.name }}, Billing & Subscriptions",
        team="billing",
        fields={"add_tags": ["refund"], "set_status": Status.RESOLVED},
    ),
    MacroSpec(
        "Photos of the damage, please",
        "dana",
        Scope.GLOBAL,
        "Hi {{ customer.first_name }},\n\nI'm sorry it arrived damaged. Could you reply with "
        "two or three photos - the damage, and the label on the box? As soon as we have them "
        "we will arrange a replacement or a collection, whichever you prefer.\n\n"
        "{{ agent.name }}",
        fields={"add_tags": ["damaged"], "set_status": Status.WAITING_CUSTOMER},
    ),
    MacroSpec(
        "Calling you back",
        "priya",
        Scope.PERSONAL,
        "Hi {{ customer.first_name }},\n\nThis is easier to sort out on the phone. I will "
        "call you by {{ promise.due }} on the number we have for you.\n\nPriya",
        fields={
            "assign_to_me": True,
            "promise_kind": "callback",
            "promise_text": "Call the customer back",
            "promise_due_minutes": 4 * 60,
        },
    ),
)

STAFF_KEYS = {"dana": "admin"}


def ensure_macros(desk: DemoDesk, now: datetime) -> dict[str, Macro]:
    found: dict[str, Macro] = {}
    for spec in MACROS:
        existing = Macro.objects.filter(title=spec.title).first()
        if existing is None:
            data = MacroData(
                title=spec.title,
                scope=spec.scope,
                team=desk.teams[spec.team] if spec.team else None,
                body=spec.body,
                **spec.fields,  # type: ignore[arg-type]
            )
            author = desk.staff[STAFF_KEYS.get(spec.author, spec.author)]
            # Written before the four weeks of generated cases that use them.
            existing = do_create_macro(actor=author, data=data, now=now - timedelta(days=60))
        found[spec.title] = existing
    return found
