"""Tier rules of the fair queue: a weight on urgency and a maximum wait per tier. Leads
and above read them; admins set (PUT) or remove (DELETE) them, and the queue keys of the
tier's waiting cases are recomputed."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from caredesk.channels.api.auth import require_admin, require_lead
from caredesk.channels.api.config_schemas import TierRuleIn, TierRuleOut, TierRulePage
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut
from caredesk.core import clock
from caredesk.customers.models import Tier
from caredesk.sla import config_actions
from caredesk.sla.models import TierRule

router = Router(tags=["tier rules"])


def rule_out(rule: TierRule) -> TierRuleOut:
    return TierRuleOut(
        tier=rule.tier,
        weight=rule.weight,
        max_wait_minutes=rule.max_wait_minutes,
        bound_clock=rule.bound_clock,
        bound_label=rule.bound_label,
    )


@router.get("", response={200: TierRulePage, ERROR_CODES: ErrorOut})
def list_tier_rules(request: HttpRequest) -> TierRulePage:
    """Leads, managers and admins: the rules there are (a tier without one: weight 1, no
    bound)."""
    require_lead(request)
    return TierRulePage(
        items=[rule_out(r) for r in TierRule.objects.order_by("tier")], next_cursor=None
    )


@router.put("/{tier}", response={200: TierRuleOut, ERROR_CODES: ErrorOut})
def set_tier_rule(request: HttpRequest, tier: Tier, payload: TierRuleIn) -> TierRuleOut:
    """Admins: create or replace the tier's rule (fields left out take their defaults)."""
    user = require_admin(request)
    rule = config_actions.do_save_tier_rule(
        actor=user,
        now=clock.now(),
        tier=tier,
        weight=payload.weight,
        max_wait_minutes=payload.max_wait_minutes,
        bound_clock=payload.bound_clock,
    )
    return rule_out(rule)


@router.delete("/{tier}", response={204: None, ERROR_CODES: ErrorOut})
def delete_tier_rule(request: HttpRequest, tier: Tier) -> Status[None]:
    """Admins: the tier goes back to the defaults (404 when it has no rule)."""
    user = require_admin(request)
    config_actions.do_delete_tier_rule(actor=user, now=clock.now(), tier=tier)
    return Status(204, None)
