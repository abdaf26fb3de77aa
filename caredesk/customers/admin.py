"""Admin for organizations (tiers, VIP handling notes) and customers with their addresses."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.customers import actions
from caredesk.customers.models import ContactIdentity, Customer, Organization


class ContactIdentityInline(admin.TabularInline[ContactIdentity, Customer]):
    model = ContactIdentity
    extra = 1
    fields = ("kind", "value", "verified", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "tier", "shared_cases", "created_at")
    list_filter = ("tier", "shared_cases")
    search_fields = ("name",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ("name", "organization", "language", "user", "created_at")
    list_filter = ("organization__tier", "language")
    search_fields = ("name", "identities__value", "organization__name")
    list_select_related = ("organization", "user")
    autocomplete_fields = ("organization", "user")
    inlines = (ContactIdentityInline,)

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        """A changed language goes through the action (validated, audited)."""
        language = obj.language
        if change and "language" in form.changed_data:
            obj.language = Customer.objects.only("language").get(pk=obj.pk).language
        super().save_model(request, obj, form, change)
        if change and "language" in form.changed_data and language:
            user = request.user
            assert isinstance(user, User)
            actions.do_set_customer_language(
                obj, actor=user, language=language, now=clock.now(), how="admin"
            )
