"""Django admin: endpoints (changes through the actions; the secret shown once) and the
delivery log (status, latency, response excerpt, redeliver)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from caredesk.accounts.models import Role, User
from caredesk.channels.webhooks import actions, payload, validation
from caredesk.channels.webhooks.models import MAX_DESCRIPTION, MAX_URL, Delivery, Endpoint
from caredesk.core import clock
from caredesk.core.errors import DomainError


def _admin_user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_active and user.role == Role.ADMIN:
        return user
    return None


class AdminsOnly:
    """Webhooks are for the admin role only, whatever Django model permissions say."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _admin_user(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_user(request) is not None


class EndpointForm(forms.ModelForm[Endpoint]):
    url = forms.CharField(
        label="URL",
        max_length=MAX_URL,
        widget=forms.URLInput(attrs={"size": 80}),
        help_text="http:// or https://, no user name or password in it.",
    )
    description = forms.CharField(required=False, max_length=MAX_DESCRIPTION)
    event_filter = forms.CharField(
        label="Events",
        initial="*",
        max_length=4000,
        help_text="Event kinds or wildcards, separated by commas or spaces: "
        "case.created, promise.*, or * for every event.",
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["event_filter"].initial = ", ".join(self.instance.events)

    def _domain(self, func: Any, value: Any) -> Any:
        try:
            return func(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def clean_url(self) -> str:
        return str(self._domain(validation.check_url, self.cleaned_data["url"]))

    def clean_description(self) -> str:
        return str(self._domain(validation.clean_description, self.cleaned_data["description"]))

    def clean_event_filter(self) -> list[str]:
        raw = self.cleaned_data["event_filter"].replace(",", " ").split()
        return list(self._domain(validation.clean_patterns, raw))


@admin.register(Endpoint)
class EndpointAdmin(AdminsOnly, admin.ModelAdmin[Endpoint]):
    form = EndpointForm
    list_display = (
        "id",
        "url",
        "description",
        "events_shown",
        "is_active",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "deliveries_link",
    )
    list_filter = ("is_active",)
    readonly_fields = (
        "secret_prefix",
        "secret_rotated_at",
        "created_by",
        "created_at",
        "updated_at",
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
    )
    actions = ("rotate_secret", "enable", "disable")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _admin_user(request) is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_user(request) is not None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _admin_user(request) is not None

    @admin.display(description="Events")
    def events_shown(self, obj: Endpoint) -> str:
        return ", ".join(obj.events)

    @admin.display(description="Delivery log")
    def deliveries_link(self, obj: Endpoint) -> str:
        url = reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">deliveries</a>', url)

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        user = _admin_user(request)
        assert user is not None  # has_*_permission let only admins here
        data = form.cleaned_data
        if not change:
            created, secret = actions.do_create_endpoint(
                actor=user,
                url=data["url"],
                description=data["description"],
                events=data["event_filter"],
                is_active=data["is_active"],
                now=clock.now(),
            )
            obj.pk = created.pk
            request.webhook_secret = secret  # type: ignore[attr-defined]
            return
        actions.do_update_endpoint(
            obj,
            actor=user,
            url=data["url"],
            description=data["description"],
            events=data["event_filter"],
            is_active=data["is_active"],
            now=clock.now(),
        )

    def response_add(
        self, request: HttpRequest, obj: Endpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(request, "webhook_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._show_secret(request, Endpoint.objects.get(pk=obj.pk), secret, created=True)

    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        user = _admin_user(request)
        assert user is not None
        actions.do_delete_endpoint(obj, actor=user, now=clock.now())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            self.delete_model(request, endpoint)

    def _show_secret(
        self, request: HttpRequest, endpoint: Endpoint, secret: str, *, created: bool
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Webhook signing secret",
            "endpoint": endpoint,
            "secret": secret,
            "created": created,
            "opts": self.opts,
            "change_url": reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]),
        }
        response = TemplateResponse(request, "admin/webhooks/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Rotate the signing secret (shows the new one once)")
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[Endpoint]
    ) -> HttpResponse | None:
        user = _admin_user(request)
        endpoints = list(queryset[:2])
        if user is None or len(endpoints) != 1:
            self.message_user(request, "Choose exactly one endpoint.", messages.ERROR)
            return None
        endpoint, secret = actions.do_rotate_secret(endpoints[0], actor=user, now=clock.now())
        return self._show_secret(request, endpoint, secret, created=False)

    @admin.action(description="Enable (resets the failure count)")
    def enable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        user = _admin_user(request)
        if user is None:
            return
        for endpoint in queryset:
            actions.do_enable_endpoint(endpoint, actor=user, now=clock.now())
        self.message_user(request, "Enabled.", messages.SUCCESS)

    @admin.action(description="Disable (waiting deliveries are not sent)")
    def disable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        user = _admin_user(request)
        if user is None:
            return
        for endpoint in queryset:
            actions.do_disable_endpoint(
                endpoint,
                actor=user,
                reason=f"Disabled by {user.display_name} in the admin.",
                now=clock.now(),
            )
        self.message_user(request, "Disabled.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(AdminsOnly, admin.ModelAdmin[Delivery]):
    """The delivery log: read-only, with a redeliver action on the list and the page."""

    change_form_template = "admin/webhooks/delivery/change_form.html"
    list_display = (
        "id",
        "endpoint",
        "kind",
        "event_id",
        "state",
        "attempts",
        "last_status_code",
        "last_latency_ms",
        "next_attempt_at",
        "last_attempt_at",
        "created_at",
    )
    list_filter = ("state", "endpoint")
    list_select_related = ("endpoint",)
    show_full_result_count = False
    fields = (
        "endpoint",
        "event_id",
        "kind",
        "state",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_latency_ms",
        "last_error",
        "response_excerpt",
        "redelivery_of",
        "requested_by",
        "payload_shown",
    )
    readonly_fields = fields
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Response (first 1 KB)")
    def response_excerpt(self, obj: Delivery) -> str:
        return format_html("<pre>{}</pre>", obj.last_response_excerpt or "—")

    @admin.display(description="Payload")
    def payload_shown(self, obj: Delivery) -> str:
        text = json.dumps(payload.document(obj.event), indent=2, ensure_ascii=False, default=str)
        return format_html("<pre>{}</pre>", text[:20_000])

    def get_urls(self) -> list[URLPattern]:
        redeliver = self.admin_site.admin_view(require_POST(self.redeliver_view))
        return [
            path("<int:delivery_id>/redeliver/", redeliver, name="webhooks_delivery_redeliver"),
            *super().get_urls(),
        ]

    def _redeliver(self, request: HttpRequest, delivery: Delivery) -> Delivery | None:
        user = _admin_user(request)
        if user is None:
            return None
        try:
            again = actions.do_redeliver(delivery, actor=user, now=clock.now())
        except DomainError as exc:
            self.message_user(request, f"Delivery {delivery.pk}: {exc.message}", messages.ERROR)
            return None
        return again

    def redeliver_view(self, request: HttpRequest, delivery_id: int) -> HttpResponse:
        delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None or _admin_user(request) is None:
            return HttpResponseRedirect(reverse("admin:webhooks_delivery_changelist"))
        again = self._redeliver(request, delivery)
        if again is None:
            return HttpResponseRedirect(
                reverse("admin:webhooks_delivery_change", args=[delivery_id])
            )
        self.message_user(request, f"Sent again as delivery {again.pk}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:webhooks_delivery_change", args=[again.pk]))

    @admin.action(description="Redeliver (a new attempt, signed afresh)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = [
            again
            for delivery in queryset.select_related("endpoint")[:100]
            if (again := self._redeliver(request, delivery)) is not None
        ]
        if done:
            self.message_user(
                request,
                f"Sent again as {len(done)} new deliver{'y' if len(done) == 1 else 'ies'}.",
                messages.SUCCESS,
            )
