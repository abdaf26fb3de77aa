"""Knowledge base: categories, articles with every earlier version kept, and deflections
(suggestions shown while a customer writes a new case).

Only :mod:`caredesk.kb.actions` writes these rows. An article's body is restricted
Markdown (:mod:`caredesk.kb.text`): authors never write HTML. Search reads an FTS5 table
(SQLite) or a stored ``tsvector`` column (PostgreSQL) that the database keeps in step with
the row (migration 0001, :mod:`caredesk.kb.search`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Customer
from caredesk.policies.models import Policy
from caredesk.tickets.models import Ticket


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (customers and visitors)")
    INTERNAL = "internal", _("Internal (staff only)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "name")
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    body = models.TextField(blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    # An IETF language tag ("en", "pt-BR"); stored for when the help centre is translated.
    language = models.CharField(max_length=12, default="en")
    # A policy published as an article: the page shows the policy's current version text.
    policy = models.OneToOneField(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="article"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("title", "id")
        indexes = [
            models.Index(fields=["status", "visibility", "category"], name="kb_article_listed"),
            models.Index(fields=["-updated_at"], name="kb_article_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC


class ArticleVersion(models.Model):
    """An earlier state of an article, kept when it was edited: who wrote it, and when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    category_name = models.CharField(max_length=100, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    language = models.CharField(max_length=12, default="en")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField()
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ("article", "-number")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class Deflection(models.Model):
    """One visit to the new-case form where articles were suggested: which were shown,
    whether one was opened, and whether a case was opened after all. No text the customer
    typed is kept."""

    token = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    shown = models.JSONField(default=list)  # article ids, in the order first shown
    opened = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["started_at"], name="kb_deflection_started")]

    def __str__(self) -> str:
        return f"deflection {self.pk}"
