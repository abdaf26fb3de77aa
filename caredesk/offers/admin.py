"""Admins define offers and segments here; offers made are read-only (actions write them).

Saving an offer goes through :func:`caredesk.offers.actions.do_save_offer` (validated
and audited like the API); deleting is refused (offers made refer to it: switch it off).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest

from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.offers import actions
from caredesk.offers.forms import OfferAdminForm
from caredesk.offers.models import Offer, OfferMade, Segment


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin[Segment]):
    list_display = ("name",)
    search_fields = ("name",)
    autocomplete_fields = ("customers",)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin[Offer]):
    form = OfferAdminForm
    list_display = ("name", "kind", "code", "is_active", "starts_at", "ends_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    filter_horizontal = ("organizations", "segments", "tags")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Offer, form: Any, change: bool) -> None:
        try:
            actions.do_save_offer(obj, actor=request.user, now=clock.now())  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, error.message)
            raise DjangoPermissionDenied(error.message) from error

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The offer's targets (organizations, segments, tags) are saved with the form.
        super().save_related(request, form, formsets, change)


@admin.register(OfferMade)
class OfferMadeAdmin(admin.ModelAdmin[OfferMade]):
    list_display = ("offer", "customer", "surface", "made_at", "outcome", "answered_at")
    list_filter = ("surface", "outcome")
    readonly_fields = tuple(f.name for f in OfferMade._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
