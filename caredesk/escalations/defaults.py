"""Starter action types and authority limits: agent 50, lead 500, manager 5,000, admin
unlimited; policy exceptions from lead up; VIP exceptions from manager up. Used by the
data migration (with historical models) and by tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

TYPES = [
    ("Credit", "credit", True, False),
    ("Refund", "refund", True, False),
    ("Fee waiver", "fee-waiver", True, False),
    ("Free delivery", "free-delivery", True, False),
    ("Policy exception", "policy-exception", False, False),
    ("VIP exception", "vip-exception", False, True),
]
MONEY_LIMITS: dict[str, Decimal | None] = {
    "agent": Decimal("50"),
    "lead": Decimal("500"),
    "manager": Decimal("5000"),
    "admin": None,
}
YES_NO = {
    "policy-exception": {"agent": False, "lead": True, "manager": True, "admin": True},
    "vip-exception": {"agent": False, "lead": False, "manager": True, "admin": True},
}


def seed(action_type_model: Any, limit_model: Any) -> None:
    for name, slug, has_amount, vip in TYPES:
        action_type, created = action_type_model.objects.get_or_create(
            slug=slug, defaults={"name": name, "has_amount": has_amount, "is_vip_exception": vip}
        )
        if not created:
            continue
        for role in ("agent", "lead", "manager", "admin"):
            if has_amount:
                limit_model.objects.create(
                    action_type=action_type, role=role, allowed=True, max_amount=MONEY_LIMITS[role]
                )
            else:
                limit_model.objects.create(
                    action_type=action_type, role=role, allowed=YES_NO[slug][role]
                )
