"""Building policies, rules and records for the tests (through the actions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.policies import actions as policy_actions
from caredesk.policies.models import EligibilityRule, Policy
from caredesk.records import actions as record_actions
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Channel

DELIVERY_TEXT = (
    "Deliveries arrive within a four-hour window. The exact time cannot be guaranteed: "
    "drivers' routes are planned by area on the day."
)
HYGIENE_REASON = "For hygiene reasons, bathing and toilet aids cannot be returned once delivered."
WINDOW_REASON = "Returns are accepted within 30 days of delivery."


def policy(slug: str, title: str, text: str, now: datetime, **fields) -> Policy:
    p = policy_actions.do_save_policy(Policy(slug=slug, title=title, **fields), actor=None, now=now)
    policy_actions.do_publish_version(p, actor=None, customer_text=text, now=now)
    return p


def returns_policy(now: datetime) -> Policy:
    """The medical-supplies shop's returns policy (seed 004): hygiene items are never
    returnable; everything else within 30 days of delivery."""
    p = policy(
        "returns",
        "Returns",
        "You can return items within 30 days of delivery. Hygiene items cannot be returned.",
        now,
        record_categories=["hygiene"],
    )
    rule(
        p, "return", "deny_if", 'line.category in ["hygiene", "personal care"]', HYGIENE_REASON, now
    )
    rule(p, "return", "require", "days_since(line.delivered_at) <= 30", WINDOW_REASON, now)
    return p


def rule(p: Policy, applies_to: str, effect: str, expression: str, reason: str, now: datetime):
    return policy_actions.do_save_rule(
        EligibilityRule(
            policy=p, applies_to=applies_to, effect=effect, expression=expression, reason=reason
        ),
        actor=None,
        now=now,
    )


def order(customer, external_id: str, lines: list[dict], now: datetime, **fields):
    data = {
        "kind": "order",
        "external_id": external_id,
        "customer_id": customer.pk,
        "lines": lines,
        **fields,
    }
    return record_actions.do_upsert_record(data, actor=None, now=now).record


def delivered(now: datetime, days: int) -> str:
    return (now - timedelta(days=days)).isoformat()


def open_case(desk, now, customer=None, subject="Return request"):
    return ticket_actions.do_open_ticket(
        customer=customer or desk.alice,
        subject=subject,
        body="I want to send it back.",
        channel=Channel.PORTAL,
        now=now,
    )
