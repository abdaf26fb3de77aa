from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from caredesk.policies import actions as policy_actions
from caredesk.policies.models import EligibilityRule, Policy
from caredesk.records.actions import do_upsert_record
from caredesk.selfservice.actions import do_save_request_type
from caredesk.selfservice.models import Kind, RequestType

HYGIENE = "Shower seats are hygiene items: they cannot be returned once delivered."


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


def record(customer, external_id, now, kind="order", **extra):
    data = {"kind": kind, "external_id": external_id, "customer_id": customer.pk, **extra}
    return do_upsert_record(data, actor=None, now=now).record


def make_type(desk, now, **fields):
    values = {
        "name": "Cancel my membership",
        "kind": Kind.CANCEL_SUBSCRIPTION,
        "record_kinds": ["subscription"],
        "confirmation_text": "Your membership ends at the end of this billing period.",
        **fields,
    }
    return do_save_request_type(RequestType(**values), actor=desk.admin, now=now)


@pytest.fixture
def ss(desk, now):
    """A gym membership and an order for Alice, Bob's own membership, a returns policy
    with the hygiene rule, and the four kinds of request."""

    class S:
        pass

    s = S()
    s.gym = record(desk.alice, "GYM-1", now, kind="subscription", status="active", title="Gym")
    s.bobs_gym = record(desk.bob, "GYM-2", now, kind="subscription", status="active")
    s.order = record(
        desk.alice,
        "ORD-1",
        now,
        lines=[
            {
                "product": "Sofa",
                "category": "furniture",
                "delivered_at": (now - timedelta(days=9)).isoformat(),
            },
            {
                "product": "Shower seat",
                "category": "hygiene",
                "delivered_at": (now - timedelta(days=9)).isoformat(),
            },
        ],
    )
    s.sofa, s.seat = list(s.order.lines.order_by("position"))
    policy = policy_actions.do_save_policy(
        Policy(slug="returns", title="Returns"), actor=None, now=now
    )
    policy_actions.do_publish_version(policy, actor=None, customer_text="Returns.", now=now)
    policy_actions.do_save_rule(
        EligibilityRule(
            policy=policy,
            applies_to="return",
            effect="deny_if",
            expression='line.category in ["hygiene"]',
            reason=HYGIENE,
        ),
        actor=None,
        now=now,
    )
    s.policy = policy
    s.cancel = make_type(desk, now, offer_retention=True)
    s.ret = make_type(
        desk,
        now,
        name="Return an item",
        kind=Kind.RETURN_LINE,
        record_kinds=["order"],
        policy=policy,
        confirmation_text="We email you a return label within a day.",
    )
    s.slot = make_type(
        desk,
        now,
        name="Change my delivery slot",
        kind=Kind.CHANGE_DELIVERY_SLOT,
        record_kinds=["order"],
        confirmation_text="We confirm the new slot by mail.",
    )
    s.contact = make_type(
        desk,
        now,
        name="Update my contact details",
        kind=Kind.UPDATE_CONTACT,
        record_kinds=[],
        confirmation_text="Our records are updated within a day.",
    )
    return s
