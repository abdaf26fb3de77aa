"""Privacy in the admin: a customer's privacy page (export, erase), legal holds and
retention rules. Every change goes through ``privacy.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.admin_errors import ActionErrorsAsMessages
from caredesk.core.errors import DomainError
from caredesk.customers.models import Customer
from caredesk.privacy import actions
from caredesk.privacy.models import CustomerPrivacy, ErasedCustomer, LegalHold, RetentionRule


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@admin.register(CustomerPrivacy)
class CustomerPrivacyAdmin(admin.ModelAdmin[CustomerPrivacy]):
    list_display = ("name", "organization", "created_at")
    search_fields = ("name", "identities__value")
    readonly_fields = ("name", "organization", "created_at")
    fields = ("name", "organization", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="privacy_customerprivacy_export",
            ),
            path(
                "<int:pk>/erase/",
                self.admin_site.admin_view(require_POST(self.erase_view)),
                name="privacy_customerprivacy_erase",
            ),
        ]
        return own + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        customer = Customer.objects.filter(pk=object_id).first()
        extra = dict(extra_context or {})
        if customer is not None:
            extra["hold"] = actions.active_hold(customer)
            extra["erased"] = ErasedCustomer.objects.filter(customer=customer).first()
        return super().change_view(request, object_id, form_url, extra)

    def _back(self, pk: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:privacy_customerprivacy_change", args=[pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
        customer = get_object_or_404(Customer, pk=pk)
        try:
            archive = actions.do_export_customer(customer, actor=_actor(request), now=clock.now())
        except DomainError as error:
            messages.error(request, error.message)
            return self._back(pk)
        return FileResponse(archive, as_attachment=True, filename=f"customer-{pk}-export.zip")

    def erase_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_object_or_404(Customer, pk=pk)
        try:
            changed = actions.do_erase_customer(
                customer,
                actor=_actor(request),
                confirm=str(request.POST.get("confirm", ""))[:40],
                now=clock.now(),
            )
        except DomainError as error:
            messages.error(request, error.message)
            return self._back(pk)
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(changed.items()) if n)
        messages.success(
            request, _("Erased: %(what)s.") % {"what": summary or _("nothing was held")}
        )
        return self._back(pk)


class LegalHoldForm(ModelForm[LegalHold]):
    class Meta:
        model = LegalHold
        fields = ("customer", "reason")


@admin.register(LegalHold)
class LegalHoldAdmin(ActionErrorsAsMessages, admin.ModelAdmin[LegalHold]):
    form = LegalHoldForm
    list_display = ("customer", "reason", "placed_at", "placed_by", "lifted_at")
    list_filter = ("lifted_at",)
    autocomplete_fields = ("customer",)
    actions = ("lift",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return tuple(self.get_fields(request, obj)) if obj else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj:
            return ["customer", "reason", "placed_by", "placed_at", "lifted_by", "lifted_at"]
        return ["customer", "reason"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        if change:
            return
        saved = actions.do_place_legal_hold(
            obj.customer, actor=_actor(request), reason=obj.reason, now=clock.now()
        )
        obj.pk = saved.pk

    @admin.action(description="Lift the selected legal holds")
    def lift(self, request: HttpRequest, queryset: QuerySet[LegalHold]) -> None:
        lifted = 0
        for hold in queryset.filter(lifted_at__isnull=True).select_related("customer"):
            try:
                actions.do_lift_legal_hold(hold.customer, actor=_actor(request), now=clock.now())
                lifted += 1
            except DomainError as error:
                messages.error(request, f"{hold.customer}: {error.message}")
        messages.success(
            request,
            ngettext("Lifted %(count)s legal hold.", "Lifted %(count)s legal holds.", lifted)
            % {"count": lifted},
        )


@admin.register(RetentionRule)
class RetentionRuleAdmin(ActionErrorsAsMessages, admin.ModelAdmin[RetentionRule]):
    list_display = ("organization", "closed_case_months", "updated_at")
    fields = ("organization", "closed_case_months")

    def save_model(self, request: HttpRequest, obj: RetentionRule, form: Any, change: bool) -> None:
        saved = actions.do_set_retention_rule(
            obj.organization,
            actor=_actor(request),
            months=obj.closed_case_months,
            now=clock.now(),
        )
        if saved is not None:
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RetentionRule) -> None:
        actions.do_set_retention_rule(
            obj.organization, actor=_actor(request), months=None, now=clock.now()
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RetentionRule]) -> None:
        for rule in queryset.select_related("organization"):
            self.delete_model(request, rule)
