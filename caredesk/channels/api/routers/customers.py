"""Customers (staff tokens) and ``/customers/me`` (customer tokens)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from caredesk.accounts.models import User
from caredesk.channels.api import present, selectors
from caredesk.channels.api.auth import api_user, is_customer, require_staff, token_customer
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.fields_out import add_fields
from caredesk.channels.api.idempotency import idempotent
from caredesk.channels.api.schemas import (
    CustomerCreateIn,
    CustomerFilters,
    CustomerMePatchIn,
    CustomerOut,
    CustomerPage,
    CustomerPatchIn,
    ErrorOut,
)
from caredesk.core import clock
from caredesk.core.errors import NotFound, PermissionDenied
from caredesk.customers import actions
from caredesk.customers.models import Customer, Organization

router = Router(tags=["customers"])


def _organization(org_id: int | None) -> Organization | None:
    if org_id is None:
        return None
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise ApiError(
            422, f"There is no organization with id {org_id}.", code="unknown_organization"
        )
    return org


def _customer(customer_id: int) -> Customer:
    found = selectors.customer_queryset().filter(pk=customer_id).first()
    if found is None:
        raise NotFound("No such customer.")
    return found


def _with_fields(user: User, customer: Customer) -> CustomerOut:
    out = present.customer(customer)
    add_fields(user, "customer", [out])
    return out


@router.get("/me", response={200: CustomerOut, ERROR_CODES: ErrorOut})
def get_me(request: HttpRequest) -> CustomerOut:
    """The customer behind a customer token."""
    if not is_customer(request):
        raise PermissionDenied(
            "/customers/me is for customer tokens; staff tokens use /customers/{id}.",
            code="customer_only",
        )
    return present.customer(_customer(token_customer(request).pk))


@router.patch("/me", response={200: CustomerOut, ERROR_CODES: ErrorOut})
def update_me(request: HttpRequest, payload: CustomerMePatchIn) -> CustomerOut:
    """The customer behind a customer token changes their own settings: the language of
    their portal and mails (as the portal's language switcher does)."""
    if not is_customer(request):
        raise PermissionDenied(
            "/customers/me is for customer tokens; staff tokens use /customers/{id}.",
            code="customer_only",
        )
    customer = token_customer(request)
    actions.do_set_customer_language(
        customer, actor=api_user(request), language=payload.language, now=clock.now(), how="api"
    )
    return present.customer(_customer(customer.pk))


@router.get("", response={200: CustomerPage, ERROR_CODES: ErrorOut})
def list_customers(
    request: HttpRequest,
    filters: Query[CustomerFilters],
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
) -> CustomerPage:
    user = require_staff(request)
    rows, next_cursor = selectors.customer_page(filters, cursor, limit)
    items = [present.customer(c) for c in rows]
    add_fields(user, "customer", items)
    return CustomerPage(items=items, next_cursor=next_cursor)


@router.get("/{customer_id}", response={200: CustomerOut, ERROR_CODES: ErrorOut})
def get_customer(request: HttpRequest, customer_id: int) -> CustomerOut:
    return _with_fields(require_staff(request), _customer(customer_id))


@router.post("", response={201: CustomerOut, ERROR_CODES: ErrorOut})
def create_customer(
    request: HttpRequest, payload: CustomerCreateIn, response: HttpResponse
) -> Status[Any]:
    user = require_staff(request)

    def create() -> tuple[int, CustomerOut]:
        customer = actions.do_create_customer(
            actor=user,
            name=payload.name,
            organization=_organization(payload.organization_id),
            emails=payload.emails,
            now=clock.now(),
        )
        return 201, _with_fields(user, _customer(customer.pk))

    return idempotent(request, response, create)


@router.patch("/{customer_id}", response={200: CustomerOut, ERROR_CODES: ErrorOut})
def update_customer(
    request: HttpRequest, customer_id: int, payload: CustomerPatchIn
) -> CustomerOut:
    user = require_staff(request)
    customer = _customer(customer_id)
    changes = payload.model_fields_set
    if "name" in changes and payload.name is None:
        raise ApiError(422, "name cannot be null.", code="null_not_allowed")
    kwargs: dict[str, Any] = {}
    if payload.name is not None:
        kwargs["name"] = payload.name
    if "organization_id" in changes:
        kwargs["organization"] = _organization(payload.organization_id)
    actions.do_update_customer(customer, actor=user, now=clock.now(), **kwargs)
    if payload.language is not None:
        actions.do_set_customer_language(
            customer, actor=user, language=payload.language, now=clock.now(), how="api"
        )
    return _with_fields(user, _customer(customer.pk))
