"""People who sign in: staff (agents, leads, managers, admins) and portal customers."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Lead")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


STAFF_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)
# Higher numbers see and decide more. Used for escalation levels.
ROLE_LEVEL = {Role.CUSTOMER: 0, Role.AGENT: 1, Role.LEAD: 2, Role.MANAGER: 3, Role.ADMIN: 4}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_staff", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT, db_index=True)
    is_active = models.BooleanField(default=True)
    # Django admin access; given to admins.
    is_staff = models.BooleanField(default=False)
    is_away = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The staff member's own language and time zone for staff pages and staff mail
    # (docs/languages.md, ADR 0036): a code of settings.LANGUAGES and an IANA zone name,
    # blank for the desk's LANGUAGE_CODE / TIME_ZONE. Set through do_set_staff_locale.
    language = models.CharField(max_length=8, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_agent_staff(self) -> bool:
        """True for everyone who works cases (agent, lead, manager, admin)."""
        return self.is_active and self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def level(self) -> int:
        return ROLE_LEVEL[Role(self.role)]

    @property
    def sees_all_cases(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    lead = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )
    members = models.ManyToManyField(User, through="Membership", related_name="teams")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash of the secret is stored."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff (acts as the agent)")
        CUSTOMER = "customer", _("Customer (sees only that customer's cases)")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PasswordThrottle(models.Model):
    """Wrong passwords for one account from one address, and until when that pair waits.

    Keyed by the pair so that someone guessing from one address slows only themselves:
    the account's owner, signing in from elsewhere, is never locked out (issue 17). A
    right password clears the pair; an admin can clear every pair of an account."""

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(unpack_ipv4=True)
    failures = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "ip"], name="password_throttle_pair"),
        ]
        indexes = [models.Index(fields=["last_failure_at"], name="password_throttle_last")]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip}: {self.failures} wrong"
