"""Macros: canned replies with placeholders, and case changes an agent applies in one go.

Only :mod:`caredesk.macros.actions` writes these rows. The reply body is a restricted
Django template (``caredesk.macros.placeholders``); the changes are plain columns, each
performed through the owning app's action when the macro is applied.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team
from caredesk.tickets.models import Ticket


class Scope(models.TextChoices):
    GLOBAL = "global", _("Everyone")
    TEAM = "team", _("One team")
    PERSONAL = "personal", _("Only me")


class Macro(models.Model):
    title = models.CharField(max_length=120)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.PERSONAL)
    # Team macros: the team that sees it. Personal macros: the owner who sees it.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_macros",
    )
    body = models.TextField(blank=True)
    # Optional changes to the case ("" / null: leave as it is).
    set_status = models.CharField(max_length=20, blank=True)
    set_priority = models.CharField(max_length=10, blank=True)
    set_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assign_to_me = models.BooleanField(default=False)
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    add_tags = models.JSONField(default=list, blank=True)
    remove_tags = models.JSONField(default=list, blank=True)
    # A promise made through the promises actions: kind, what, and due this long after applying.
    promise_kind = models.CharField(max_length=10, blank=True)
    promise_text = models.CharField(max_length=500, blank=True)
    promise_due_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Custom case fields to set: key -> checked value as JSON (docs/custom-fields.md).
    set_fields = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    use_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("title", "id")
        indexes = [
            models.Index(fields=["scope", "active", "title"], name="macro_scope_active"),
            models.Index(fields=["team", "active"], name="macro_team_active"),
            models.Index(fields=["owner", "active"], name="macro_owner_active"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.TEAM and self.team is not None:
            return f"Team {self.team.name}"
        return self.get_scope_display()


class MacroUse(models.Model):
    """One application of a macro on a case: the usage count and what it did."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="macro_uses")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    text = models.TextField(blank=True)  # the reply text it rendered
    done = models.JSONField(default=list)
    refused = models.JSONField(default=list)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["macro", "-at"], name="macro_use_macro_at"),
            models.Index(fields=["ticket", "-at"], name="macro_use_ticket_at"),
        ]

    def __str__(self) -> str:
        return f"macro {self.macro_id} on case {self.ticket_id}"
