"""Admins edit calendars, policies, queue rules and routing here (Django admin, with inlines).

Calendars, policies and tier rules are saved through :mod:`caredesk.sla.config_actions`,
the same functions the API calls (one way): saving a calendar recomputes the deadlines
and queue keys of its open cases, keeping time already spent under the old hours;
saving a policy recomputes the open cases it touches, and saving or deleting a tier rule
the queue keys of that tier's waiting cases (background batches). Tier bounds are
business minutes of the case's calendar unless the rule runs round the clock. Policies
are retired (unticked *active*), not deleted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.admin_errors import ActionErrorsAsMessages
from caredesk.core.errors import InvalidInput
from caredesk.sla import config_actions
from caredesk.sla.config_actions import ClosedSpec, HoursSpec
from caredesk.sla.models import (
    AgentCapacity,
    BusinessCalendar,
    ClosedDate,
    SlaPolicy,
    TeamRouting,
    TierRule,
    WorkingHours,
)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _kept(formset: Any) -> list[dict[str, Any]]:
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def _hours(formset: Any) -> list[HoursSpec]:
    return [
        HoursSpec(int(d["weekday"]), f"{d['start']:%H:%M}", f"{d['end']:%H:%M}")
        for d in _kept(formset)
        if d.get("start") is not None and d.get("end") is not None
    ]


class HoursFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            config_actions.check_hours(_hours(self))
        except InvalidInput as exc:
            raise ValidationError(exc.message) from None


class WorkingHoursInline(admin.TabularInline[WorkingHours, BusinessCalendar]):
    model = WorkingHours
    formset = HoursFormSet
    extra = 0


class ClosedDateInline(admin.TabularInline[ClosedDate, BusinessCalendar]):
    model = ClosedDate
    extra = 0


CALENDAR_FIELDS = (
    "name",
    "time_zone",
    "always_open",
    "holiday_country",
    "holiday_subdivision",
    "description",
)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ActionErrorsAsMessages, admin.ModelAdmin[BusinessCalendar]):
    list_display = ("name", "time_zone", "always_open", "holiday_country", "holiday_subdivision")
    inlines = (WorkingHoursInline, ClosedDateInline)
    readonly_fields = ("updated_at",)

    def save_model(
        self, request: HttpRequest, obj: BusinessCalendar, form: ModelForm[Any], change: bool
    ) -> None:
        """Saved with its hours and closed dates in :meth:`save_related`, in one action."""

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        hours: list[HoursSpec] = []
        closed: list[ClosedSpec] = []
        for formset in formsets:
            # Saved by the action below, not by the formset (the change message reads these).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is WorkingHours:
                hours = _hours(formset)
            elif formset.model is ClosedDate:
                closed = [
                    ClosedSpec(d["date"], d.get("reason") or "")
                    for d in _kept(formset)
                    if d.get("date")
                ]
        fields = {name: form.cleaned_data[name] for name in CALENDAR_FIELDS}
        obj = form.instance
        if change:
            saved = config_actions.do_update_calendar(
                obj,
                actor=_actor(request),
                now=clock.now(),
                hours=hours,
                closed_dates=closed,
                **fields,
            )
        else:
            saved = config_actions.do_create_calendar(
                actor=_actor(request), now=clock.now(), hours=hours, closed_dates=closed, **fields
            )
        obj.pk = saved.pk
        obj.updated_at = saved.updated_at

    def delete_model(self, request: HttpRequest, obj: BusinessCalendar) -> None:
        config_actions.do_delete_calendar(obj, actor=_actor(request), now=clock.now())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BusinessCalendar]) -> None:
        for cal in queryset:
            self.delete_model(request, cal)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ActionErrorsAsMessages, admin.ModelAdmin[SlaPolicy]):
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire a policy (untick active): cases keep the policy they ran under

    def save_model(
        self, request: HttpRequest, obj: SlaPolicy, form: ModelForm[Any], change: bool
    ) -> None:
        fields: dict[str, Any] = {}
        for name in config_actions.POLICY_FIELDS:
            key = name.removesuffix("_id")
            if key in form.cleaned_data:
                value = form.cleaned_data[key]
                fields[name] = value.pk if name.endswith("_id") and value is not None else value
        if change:
            saved = config_actions.do_update_policy(
                obj, actor=_actor(request), now=clock.now(), **fields
            )
        else:
            saved = config_actions.do_create_policy(
                actor=_actor(request), now=clock.now(), **fields
            )
        obj.pk = saved.pk


@admin.register(TierRule)
class TierRuleAdmin(ActionErrorsAsMessages, admin.ModelAdmin[TierRule]):
    list_display = ("tier", "weight", "maximum_wait")
    fields = ("tier", "weight", "max_wait_minutes", "bound_clock")

    @admin.display(description="maximum wait")
    def maximum_wait(self, obj: TierRule) -> str:
        return obj.bound_label

    def save_model(
        self, request: HttpRequest, obj: TierRule, form: ModelForm[Any], change: bool
    ) -> None:
        old_tier = form.initial.get("tier") if change else None
        now = clock.now()
        if old_tier and old_tier != obj.tier:
            config_actions.do_delete_tier_rule(actor=_actor(request), now=now, tier=str(old_tier))
        saved = config_actions.do_save_tier_rule(
            actor=_actor(request),
            now=now,
            tier=obj.tier,
            weight=obj.weight,
            max_wait_minutes=obj.max_wait_minutes,
            bound_clock=obj.bound_clock,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: TierRule) -> None:
        config_actions.do_delete_tier_rule(actor=_actor(request), now=clock.now(), tier=obj.tier)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TierRule]) -> None:
        for rule in queryset:
            self.delete_model(request, rule)


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin[TeamRouting]):
    list_display = ("team", "mode", "last_assigned")
    readonly_fields = ("last_assigned",)


@admin.register(AgentCapacity)
class AgentCapacityAdmin(admin.ModelAdmin[AgentCapacity]):
    list_display = ("user", "max_open_cases")
