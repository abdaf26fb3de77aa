"""Privacy requests (docs/privacy.md): export and erase a customer (admins), legal holds
(managers and admins), retention rules per organization (admins). The same actions and
checks as the admin pages."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.channels.api.auth import api_user, require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut, InSchema, _Clean
from caredesk.core import clock
from caredesk.core.errors import NotFound
from caredesk.customers.models import Customer, Organization
from caredesk.privacy import actions
from caredesk.privacy.models import LegalHold

router = Router(tags=["privacy"])

Reason = Annotated[str, StringConstraints(max_length=2_000), _Clean]
Confirm = Annotated[str, StringConstraints(max_length=40), _Clean]


class PrivacyOut(Schema):
    customer_id: int
    erased: bool
    legal_hold: str | None = Field(None, description="The reason of the hold in place, if any.")


class LegalHoldIn(InSchema):
    reason: Reason


class EraseIn(InSchema):
    confirm: Confirm = Field(description="The customer's id again: erasure cannot be undone.")


class ErasedOut(Schema):
    customer_id: int
    changed: dict[str, int] = Field(description="Rows whose personal content was erased.")


class RetentionIn(InSchema):
    closed_case_months: int | None = Field(
        None,
        ge=1,
        le=240,
        description="Erase closed cases' content after this many months; null removes the rule.",
    )


class RetentionOut(Schema):
    organization_id: int
    closed_case_months: int | None


def _customer(customer_id: int) -> Customer:
    found = Customer.objects.filter(pk=customer_id).first()
    if found is None:
        raise NotFound("No such customer.")
    return found


def _state(customer: Customer) -> PrivacyOut:
    hold: LegalHold | None = actions.active_hold(customer)
    return PrivacyOut(
        customer_id=customer.pk,
        erased=actions.is_erased(customer),
        legal_hold=hold.reason if hold else None,
    )


@router.get("/customers/{customer_id}/privacy", response={200: PrivacyOut, ERROR_CODES: ErrorOut})
def get_privacy(request: HttpRequest, customer_id: int) -> PrivacyOut:
    """Whether the customer is under a legal hold or was erased."""
    require_staff(request)
    return _state(_customer(customer_id))


@router.get(
    "/customers/{customer_id}/export",
    response={200: None, ERROR_CODES: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "A zip archive of everything held about the customer.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_customer(request: HttpRequest, customer_id: int) -> FileResponse:
    """Everything caredesk holds about the customer, as a zip archive (admins; audited)."""
    customer = _customer(customer_id)
    archive = actions.do_export_customer(customer, actor=api_user(request), now=clock.now())
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"customer-{customer.pk}-export.zip",
        content_type="application/zip",
    )


@router.post("/customers/{customer_id}/erase", response={200: ErasedOut, ERROR_CODES: ErrorOut})
def erase_customer(request: HttpRequest, customer_id: int, payload: EraseIn) -> ErasedOut:
    """Erase the customer's personal data (admins). Refused while a legal hold is in place."""
    customer = _customer(customer_id)
    changed = actions.do_erase_customer(
        customer, actor=api_user(request), confirm=payload.confirm, now=clock.now()
    )
    return ErasedOut(customer_id=customer.pk, changed={k: v for k, v in changed.items() if v})


@router.post(
    "/customers/{customer_id}/legal-hold", response={201: PrivacyOut, ERROR_CODES: ErrorOut}
)
def place_legal_hold(request: HttpRequest, customer_id: int, payload: LegalHoldIn) -> Status[Any]:
    """Keep everything of this customer until the hold is lifted (managers and admins)."""
    customer = _customer(customer_id)
    actions.do_place_legal_hold(
        customer, actor=api_user(request), reason=payload.reason, now=clock.now()
    )
    return Status(201, _state(customer))


@router.delete(
    "/customers/{customer_id}/legal-hold", response={200: PrivacyOut, ERROR_CODES: ErrorOut}
)
def lift_legal_hold(request: HttpRequest, customer_id: int) -> PrivacyOut:
    customer = _customer(customer_id)
    actions.do_lift_legal_hold(customer, actor=api_user(request), now=clock.now())
    return _state(customer)


@router.put(
    "/organizations/{organization_id}/retention",
    response={200: RetentionOut, ERROR_CODES: ErrorOut},
)
def set_retention(request: HttpRequest, organization_id: int, payload: RetentionIn) -> RetentionOut:
    """Set or remove (null) the organization's retention rule (admins)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound("No such organization.")
    rule = actions.do_set_retention_rule(
        organization,
        actor=api_user(request),
        months=payload.closed_case_months,
        now=clock.now(),
    )
    return RetentionOut(
        organization_id=organization.pk,
        closed_case_months=rule.closed_case_months if rule else None,
    )
