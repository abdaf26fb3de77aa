"""Admins edit calendars, policies, queue rules and routing here (Django admin, with inlines).

Saving a calendar recomputes the deadlines and queue keys of its open cases, keeping time
already spent under the old hours; saving a policy recomputes the open cases it touches,
and saving or deleting a tier rule the queue keys of that tier's waiting cases (background
batches). Tier bounds are business minutes of the case's calendar unless the rule runs
round the clock.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.sla import actions
from caredesk.sla.calendar import Calendar, CalendarError
from caredesk.sla.models import (
    AgentCapacity,
    BusinessCalendar,
    ClosedDate,
    SlaPolicy,
    TeamRouting,
    TierRule,
    WorkingHours,
)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class WorkingHoursInline(admin.TabularInline[WorkingHours, BusinessCalendar]):
    model = WorkingHours
    extra = 0


class ClosedDateInline(admin.TabularInline[ClosedDate, BusinessCalendar]):
    model = ClosedDate
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = ("name", "time_zone", "always_open", "holiday_country", "holiday_subdivision")
    inlines = (WorkingHoursInline, ClosedDateInline)
    readonly_fields = ("updated_at",)

    def save_model(
        self, request: HttpRequest, obj: BusinessCalendar, form: ModelForm[Any], change: bool
    ) -> None:
        old: Calendar | None = None
        if change and obj.pk:
            try:
                old = BusinessCalendar.objects.get(pk=obj.pk).to_calendar()
            except (BusinessCalendar.DoesNotExist, CalendarError):
                old = None
        request._sla_old_calendar = old  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        old = getattr(request, "_sla_old_calendar", None)
        actions.do_calendar_changed(form.instance, old, actor=_actor(request), now=clock.now())


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = (
        "name",
        "order",
        "is_active",
        "team",
        "priority",
        "tier",
        "channel",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warn_at_percent",
        "calendar",
    )
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "team", "priority", "tier", "channel")
    fieldsets = (
        (None, {"fields": ("name", "is_active", "order", "calendar")}),
        ("Applies to (empty = any)", {"fields": ("team", "priority", "tier", "channel")}),
        (
            "Targets in business minutes",
            {
                "fields": (
                    "first_response_minutes",
                    "next_response_minutes",
                    "resolution_minutes",
                    "warn_at_percent",
                )
            },
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: SlaPolicy, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        actions.do_policy_changed(obj if change else None, actor=_actor(request), now=clock.now())


@admin.register(TierRule)
class TierRuleAdmin(admin.ModelAdmin[TierRule]):
    list_display = ("tier", "weight", "maximum_wait")
    fields = ("tier", "weight", "max_wait_minutes", "bound_clock")

    @admin.display(description="maximum wait")
    def maximum_wait(self, obj: TierRule) -> str:
        return obj.bound_label

    def save_model(
        self, request: HttpRequest, obj: TierRule, form: ModelForm[Any], change: bool
    ) -> None:
        old_tier = form.initial.get("tier") if change else None
        super().save_model(request, obj, form, change)
        now = clock.now()
        actions.do_tier_rule_changed(obj.tier, actor=_actor(request), now=now)
        if old_tier and old_tier != obj.tier:
            actions.do_tier_rule_changed(str(old_tier), actor=_actor(request), now=now)

    def delete_model(self, request: HttpRequest, obj: TierRule) -> None:
        tier = obj.tier
        super().delete_model(request, obj)
        actions.do_tier_rule_changed(tier, actor=_actor(request), now=clock.now())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TierRule]) -> None:
        tiers = list(queryset.values_list("tier", flat=True))
        super().delete_queryset(request, queryset)
        for tier in tiers:
            actions.do_tier_rule_changed(tier, actor=_actor(request), now=clock.now())


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin[TeamRouting]):
    list_display = ("team", "mode", "last_assigned")
    readonly_fields = ("last_assigned",)


@admin.register(AgentCapacity)
class AgentCapacityAdmin(admin.ModelAdmin[AgentCapacity]):
    list_display = ("user", "max_open_cases")
