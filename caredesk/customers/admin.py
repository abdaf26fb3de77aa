"""Admin for organizations (tiers, VIP handling notes) and customers with their addresses."""

from __future__ import annotations

from django.contrib import admin

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
    list_display = ("name", "organization", "user", "created_at")
    list_filter = ("organization__tier",)
    search_fields = ("name", "identities__value", "organization__name")
    list_select_related = ("organization", "user")
    autocomplete_fields = ("organization", "user")
    inlines = (ContactIdentityInline,)
