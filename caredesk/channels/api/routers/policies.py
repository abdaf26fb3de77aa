"""Policies, their versions, and "the customer was told" acknowledgements.

``POST /policies/{slug}/acknowledgements`` is how the shop's systems report that a
customer saw a policy ("delivery-window v3 shown on the receipt of order 204117"). The
same report twice (same version, how and evidence reference) is recorded once: the
second answer is 200 with the first row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.routers.records import unprocessable
from caredesk.channels.api.schemas import ErrorOut, InSchema
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.policies import actions, selectors
from caredesk.policies.models import Acknowledgement, Policy
from caredesk.records.validation import clean_datetime
from caredesk.tickets.access import access_ticket

router = Router(tags=["policies"])
case_router = Router(tags=["policies"])

HowIn = Literal["at_purchase", "receipt", "scheduling_call", "reply", "portal", "other"]
EvidenceIn = Literal["record", "message", "call", "text", ""]


class VersionOut(Schema):
    id: int
    number: int
    customer_text: str
    created_at: datetime


class RuleOut(Schema):
    id: int
    applies_to: str
    effect: str
    expression: str
    reason: str


class PolicyOut(Schema):
    slug: str
    title: str
    category: str | None
    effective_from: datetime | None
    effective_until: datetime | None
    current_version: VersionOut | None
    versions: list[VersionOut]
    rules: list[RuleOut]


class AcknowledgementIn(InSchema):
    version: int | None = Field(None, ge=1, description="Version number; empty: the latest.")
    customer_id: int | None = Field(None, ge=1)
    customer_email: str | None = Field(None, max_length=254)
    how: HowIn
    told_at: str | None = Field(None, description="ISO 8601 with a time zone; empty: now.")
    evidence_kind: EvidenceIn = ""
    evidence_ref: str = Field("", max_length=100, description="Record external id, message id…")
    evidence_text: str = Field("", max_length=2000)


class AcknowledgementOut(Schema):
    id: int
    policy: str
    version: int
    customer_id: int
    how: str
    told_at: datetime
    by: str
    evidence_kind: str
    evidence_ref: str
    created: bool = False


class CasePolicyOut(Schema):
    slug: str
    title: str
    summary: str = Field(..., description='"Told 2 times: at purchase (receipt, 30 Oct), …"')
    current_version: VersionOut | None
    acknowledgements: list[AcknowledgementOut]


def _version(v: Any) -> VersionOut:
    return VersionOut(
        id=v.pk, number=v.number, customer_text=v.customer_text, created_at=v.created_at
    )


def _policy(slug: str) -> Policy:
    found = selectors.all_policies().filter(slug=slug[:60]).first()
    if found is None:
        raise NotFound(f"There is no policy {slug[:60]}.")
    return found


def _ack(a: Acknowledgement, created: bool = False) -> AcknowledgementOut:
    return AcknowledgementOut(
        id=a.pk,
        policy=a.policy.slug,
        version=a.version.number,
        customer_id=a.customer_id,
        how=a.how,
        told_at=a.told_at,
        by=a.by_label,
        evidence_kind=a.evidence_kind,
        evidence_ref=a.evidence_ref,
        created=created,
    )


def present(p: Policy) -> PolicyOut:
    versions = list(p.versions.all())
    return PolicyOut(
        slug=p.slug,
        title=p.title,
        category=p.category.name if p.category else None,
        effective_from=p.effective_from,
        effective_until=p.effective_until,
        current_version=_version(versions[0]) if versions else None,
        versions=[_version(v) for v in versions],
        rules=[
            RuleOut(
                id=r.pk,
                applies_to=r.applies_to,
                effect=r.effect,
                expression=r.expression,
                reason=r.reason,
            )
            for r in p.rules.all()
        ],
    )


@router.get("", response={200: list[PolicyOut], ERROR_CODES: ErrorOut})
def list_policies(request: HttpRequest) -> list[PolicyOut]:
    require_staff(request)
    return [present(p) for p in selectors.all_policies().order_by("title")[:200]]


@router.get("/{slug}", response={200: PolicyOut, ERROR_CODES: ErrorOut})
def get_policy(request: HttpRequest, slug: str) -> PolicyOut:
    require_staff(request)
    return present(_policy(slug))


def _customer(payload: AcknowledgementIn) -> Customer:
    if bool(payload.customer_id) == bool(payload.customer_email):
        raise ApiError(
            422, "Give customer_id or customer_email (one of them).", code="owner_required"
        )
    if payload.customer_id:
        found = Customer.objects.filter(pk=payload.customer_id).first()
    else:
        identity = ContactIdentity.objects.filter(
            kind=ContactIdentity.Kind.EMAIL, value=(payload.customer_email or "").strip().lower()
        ).first()
        found = identity.customer if identity else None
    if found is None:
        raise ApiError(422, "There is no such customer.", code="unknown_customer")
    return found


@router.post(
    "/{slug}/acknowledgements",
    response={200: AcknowledgementOut, 201: AcknowledgementOut, ERROR_CODES: ErrorOut},
)
def create_acknowledgement(
    request: HttpRequest, slug: str, payload: AcknowledgementIn, response: HttpResponse
) -> Status[Any]:
    """Record that a customer was informed of a policy version (201; 200 when the same
    report was already recorded)."""
    user = require_staff(request)
    policy = _policy(slug)

    def write() -> tuple[int, AcknowledgementOut]:
        customer = _customer(payload)
        version = actions.version_of(policy, payload.version)
        told_at = unprocessable(lambda: clean_datetime(payload.told_at, "told_at"))
        ack, created = unprocessable(
            lambda: actions.do_record_acknowledgement(
                customer=customer,
                version=version,
                how=payload.how,
                by=actions.Told(user=user, label=f"API ({user.display_name})"),
                now=clock.now(),
                told_at=told_at,
                evidence_kind=payload.evidence_kind,
                evidence_ref=payload.evidence_ref,
                evidence_text=payload.evidence_text,
            )
        )
        return (201 if created else 200), _ack(ack, created)

    return idempotent(request, response, write)


@case_router.get("/{case_id}/policies", response={200: list[CasePolicyOut], ERROR_CODES: ErrorOut})
def case_policies(request: HttpRequest, case_id: int) -> list[CasePolicyOut]:
    """The policies the case page shows, with what the customer was told and when."""
    user = require_staff(request)
    ticket = access_ticket(user, case_id)
    return [
        CasePolicyOut(
            slug=cp.policy.slug,
            title=cp.policy.title,
            summary=cp.summary,
            current_version=_version(cp.current) if cp.current else None,
            acknowledgements=[_ack(a) for a in cp.acknowledgements],
        )
        for cp in selectors.case_policies(ticket, now=clock.now())
    ]
