"""Saved views: a named set of inbox filters, a sort and the columns to show.

Only :mod:`caredesk.savedviews.actions` writes these rows. ``filters`` holds the checked
form of :class:`caredesk.savedviews.filters.ViewFilters` (never raw input).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team


class Visibility(models.TextChoices):
    PERSONAL = "personal", _("Only me")
    TEAM = "team", _("Shared with a team")


class SavedView(models.Model):
    name = models.CharField(max_length=80)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PERSONAL
    )
    # Personal views: the owner who sees it. Team views: the team whose members see it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views"
    )
    filters = models.JSONField(default=dict)
    sort = models.CharField(max_length=20, default="updated")
    columns = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("position", "name", "id")
        indexes = [
            models.Index(fields=["owner", "visibility"], name="savedview_owner"),
            models.Index(fields=["team", "visibility"], name="savedview_team"),
        ]

    def __str__(self) -> str:
        return self.name
