"""The stories' policies and records (seeds 002, 004): the delivery-window policy Maria was
told twice, the hygiene rule that keeps Gerald's shower seat from being returned, and the
orders and the gym membership they are about — linked to the story cases, so the case
page shows "Told 2 times" and "Return: not eligible". Idempotent: a second load reuses
what is there (every write goes through the record and policy actions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.demo.people import DemoDesk
from caredesk.policies import actions as policy_actions
from caredesk.policies.models import EligibilityRule, Policy
from caredesk.records import actions as record_actions
from caredesk.tickets.models import Ticket

DELIVERY_WINDOW = (
    "Deliveries arrive within a four-hour window (8-12 or 12-4) that you choose when we "
    "schedule the delivery. Our drivers plan their routes by area on the day and every "
    "home takes a different time, so we cannot promise an exact time. On the day, the "
    "driver calls about 30 minutes before arriving."
)
RETURNS = (
    "You can return unused items within 30 days of delivery for a full refund. For hygiene "
    "reasons, shower seats, toilet seats and bathing aids cannot be returned once they "
    "have been delivered, unless they are faulty (two-year warranty)."
)
HYGIENE_REASON = (
    "Shower seats, toilet seats and bathing aids are hygiene items: they cannot be "
    "returned once delivered, unless they are faulty."
)


def _policy(slug: str, title: str, text: str, now: datetime, **fields: object) -> Policy:
    policy = Policy.objects.filter(slug=slug).first()
    if policy is None:
        policy = policy_actions.do_save_policy(
            Policy(slug=slug, title=title, **fields), actor=None, now=now
        )
    policy_actions.do_publish_version(policy, actor=None, customer_text=text, now=now)
    return policy


def _rule(policy: Policy, effect: str, expression: str, reason: str, now: datetime) -> None:
    if policy.rules.filter(expression=expression).exists():
        return
    policy_actions.do_save_rule(
        EligibilityRule(
            policy=policy, applies_to="return", effect=effect, expression=expression, reason=reason
        ),
        actor=None,
        now=now,
    )


def _link(desk: DemoDesk, subject: str, record_id: int, now: datetime) -> None:
    ticket = Ticket.objects.filter(subject=subject).order_by("pk").first()
    if ticket is not None:
        agent = desk.staff["priya"]
        record_actions.do_link_record(ticket, actor=agent, record_id=record_id, now=now)


def ensure_policies_and_records(desk: DemoDesk, now: datetime) -> None:
    maria, gerald, tom = desk.customers["maria"], desk.customers["gerald"], desk.customers["tom"]
    window = _policy(
        "delivery-window", "Delivery window", DELIVERY_WINDOW, now, case_tags=["delivery-window"]
    )
    returns = _policy("returns", "Returns", RETURNS, now, record_categories=["hygiene"])
    _rule(returns, "deny_if", 'line.category in ["hygiene", "personal care"]', HYGIENE_REASON, now)
    _rule(
        returns,
        "require",
        "days_since(line.delivered_at) <= 30",
        "Returns are accepted within 30 days of delivery.",
        now,
    )

    purchased, scheduled = now - timedelta(days=31), now - timedelta(days=17)
    sofa = record_actions.do_upsert_record(
        {
            "kind": "order",
            "external_id": "BH-204117",
            "customer_id": maria.pk,
            "title": "Corner sofa and footstool",
            "status": "part delivered",
            "amount": "1499.00",
            "currency": "EUR",
            "starts_at": purchased.isoformat(),
            "lines": [
                {
                    "product": "Corner sofa Lund",
                    "category": "furniture",
                    "price": "1299.00",
                    "delivered_at": (now - timedelta(days=9)).isoformat(),
                },
                {"product": "Footstool Lund", "category": "furniture", "price": "200.00"},
            ],
        },
        actor=None,
        now=now,
    ).record
    version = window.versions.order_by("-number").first()
    assert version is not None
    for how, kind, ref, told in (
        ("at_purchase", "record", "BH-204117", purchased),
        ("scheduling_call", "call", "scheduling call", scheduled),
    ):
        policy_actions.do_record_acknowledgement(
            customer=maria,
            version=version,
            how=how,
            by=policy_actions.Told(label="Kingsway store" if how == "at_purchase" else "Dispatch"),
            now=now,
            told_at=told,
            evidence_kind=kind,
            evidence_ref=ref,
        )
    seat = record_actions.do_upsert_record(
        {
            "kind": "order",
            "external_id": "BH-198842",
            "customer_id": gerald.pk,
            "title": "Folding shower seat MS-3310",
            "status": "delivered",
            "amount": "89.00",
            "currency": "EUR",
            "lines": [
                {
                    "product": "Folding shower seat MS-3310",
                    "category": "hygiene",
                    "price": "89.00",
                    "delivered_at": (now - timedelta(days=21)).isoformat(),
                    "attributes": {"condition": "opened"},
                }
            ],
        },
        actor=None,
        now=now,
    ).record
    record_actions.do_upsert_record(
        {
            "kind": "subscription",
            "external_id": "FIT-5521",
            "customer_id": tom.pk,
            "title": "Brightside Fit membership with personal training",
            "status": "active",
            "amount": "59.00",
            "currency": "EUR",
            "renews_at": (now + timedelta(days=12)).isoformat(),
        },
        actor=None,
        now=now,
    )
    _link(desk, "Driver came at 11:40 - I waited in all morning", sofa.pk, now)
    _link(desk, "Return an unused shower seat", seat.pk, now)
