"""Authoring policies in the admin. Texts are never edited in place: a version, once
published, is read-only, and a changed text is added as a new version (the next number
is given automatically). Every save goes through the policy actions (audited); a rule
whose condition does not parse is refused with the position of the mistake."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.policies import actions
from caredesk.policies.models import (
    Acknowledgement,
    EligibilityRule,
    Policy,
    PolicyCategory,
    PolicyVersion,
)


def _actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class VersionInline(admin.StackedInline[PolicyVersion, Policy]):
    model = PolicyVersion
    extra = 1
    fields = ("number", "customer_text", "internal_notes", "created_by", "created_at")
    readonly_fields = ("number", "created_by", "created_at")
    ordering = ("-number",)
    verbose_name = "version (published versions cannot be changed; add a new one)"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RuleForm(forms.ModelForm[EligibilityRule]):
    class Meta:
        model = EligibilityRule
        fields = ("applies_to", "effect", "expression", "reason", "position", "is_active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule = EligibilityRule(
            expression=data.get("expression") or "", reason=data.get("reason") or ""
        )
        try:
            actions.check_rule(rule)
        except DomainError as error:
            field = (error.details or {}).get("field", "expression")
            raise ValidationError({field: error.message}) from None
        return data


class RuleInline(admin.TabularInline[EligibilityRule, Policy]):
    model = EligibilityRule
    form = RuleForm
    extra = 1


@admin.register(PolicyCategory)
class PolicyCategoryAdmin(admin.ModelAdmin[PolicyCategory]):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    list_display = ("title", "slug", "category", "is_active", "effective_from", "effective_until")
    list_filter = ("category", "is_active")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at",)
    inlines = (VersionInline, RuleInline)

    def save_model(
        self, request: HttpRequest, obj: Policy, form: ModelForm[Any], change: bool
    ) -> None:
        actions.do_save_policy(obj, actor=_actor(request), now=clock.now())

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: Any, change: bool
    ) -> None:
        now = clock.now()
        # What the admin's history message reads (ModelFormSet.save would set them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            instance = row.instance
            if row.cleaned_data.get("DELETE"):
                if isinstance(instance, EligibilityRule) and instance.pk is not None:
                    actions.do_delete_rule(instance, actor=_actor(request), now=now)
                    formset.deleted_objects.append(instance)
                continue
            if not row.has_changed():
                continue
            if isinstance(instance, PolicyVersion) and instance.pk is None:
                version = actions.do_publish_version(
                    form.instance,
                    actor=_actor(request),
                    customer_text=instance.customer_text,
                    internal_notes=instance.internal_notes,
                    now=now,
                )
                formset.new_objects.append(version)
            elif isinstance(instance, EligibilityRule):
                created = instance.pk is None
                instance.policy = form.instance
                actions.do_save_rule(instance, actor=_actor(request), now=now)
                if created:
                    formset.new_objects.append(instance)
                else:
                    formset.changed_objects.append((instance, row.changed_data))


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin[Acknowledgement]):
    """Read-only: acknowledgements are recorded by the API, replies and calls."""

    list_display = ("customer", "version", "how", "told_at", "by_label", "evidence_ref")
    list_filter = ("how", "policy")
    search_fields = ("customer__name", "evidence_ref")
    list_select_related = ("customer", "version__policy")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # what the customer was told is evidence: never deleted (P11)
