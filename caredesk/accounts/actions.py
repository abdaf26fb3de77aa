"""Changes to accounts: staff, teams, API tokens and availability. Audited like every
other change (``core.audit``: an event with the old and new values, in the transaction).

Staff and teams are configured by admins (the Django admin pages and ``/api/v1`` call the
same functions here). People are never deleted: they are deactivated and reactivated.
Deactivating someone revokes their API tokens and appends ``staff.deactivated``; the
tickets app reacts by handing their open cases back to their team's queue."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from caredesk.accounts.models import (
    STAFF_ROLES,
    ApiToken,
    Membership,
    PasswordThrottle,
    Role,
    Team,
    User,
)
from caredesk.accounts.sso import Grant
from caredesk.accounts.throttle import normal_email
from caredesk.core import audit
from caredesk.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

TOKEN_PREFIX_BYTES = 6
MAX_ACTIVE_TOKENS = 20


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # Shown once, at creation; only its hash is stored.
    plaintext: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_api_token(*, user: User, name: str, now: datetime) -> IssuedToken:
    """Staff get a staff token; a portal customer gets a customer-scoped token."""
    name = " ".join(name.split())[:100]
    if not name:
        raise DomainError(
            gettext("Give the token a name, so you can recognise it later."), code="empty"
        )
    if not user.is_active:
        raise PermissionDenied(gettext("Inactive accounts cannot create tokens."))
    kind = ApiToken.Kind.CUSTOMER if user.is_customer else ApiToken.Kind.STAFF
    with transaction.atomic():
        active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise DomainError(
                gettext("You already have %(count)s active tokens; revoke one first.")
                % {"count": active},
                code="too_many_tokens",
            )
        prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            kind=kind,
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            created_at=now,
        )
        audit.record("api_token.created", actor=user, now=now, new={"token": prefix, "name": name})
    return IssuedToken(token=token, plaintext=f"cd_{prefix}_{secret}")


def do_revoke_api_token(*, actor: User, token_id: int, now: datetime) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or (token.user_id != actor.pk and actor.role != "admin"):
            raise NotFound(gettext("No such token."))
        if token.revoked_at is None:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            audit.record("api_token.revoked", actor=actor, now=now, old={"token": token.prefix})
    return token


def authenticate_token(raw: str, *, now: datetime) -> ApiToken | None:
    """``cd_<prefix>_<secret>`` → the active token, or None. Constant-time comparison."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "cd" or len(parts[1]) != TOKEN_PREFIX_BYTES * 2:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.secret_hash, hash_secret(parts[2])):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def do_set_away(*, user: User, away: bool, now: datetime) -> User:
    if not user.is_agent_staff:
        raise PermissionDenied(gettext("Only staff can set themselves away."))
    with transaction.atomic():
        old = user.is_away
        if old != away:
            user.is_away = away
            user.save(update_fields=["is_away"])
            audit.record(
                "staff.away_changed", actor=user, now=now, field="is_away", old=old, new=away
            )
    return user


# --- staff and teams (admins) ----------------------------------------------------------


class Unset:
    """An argument the caller did not pass (distinct from None, which clears)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()
MAX_NAME = 150
MAX_TEAM_NAME = 100
MAX_DESCRIPTION = 5000
MAX_MEMBERS = 500


# --- the staff member's language and time zone (ADR 0036) -----------------------------

MAX_TIME_ZONE = 64


def clean_staff_language(value: object) -> str:
    """A code of ``settings.LANGUAGES`` or "" (the desk's default); anything else refused."""
    code = value.strip().lower() if isinstance(value, str) else None
    offered = [c for c, _ in settings.LANGUAGES]
    if code is None or (code and code not in offered):
        raise InvalidInput(
            gettext("Choose a language from the list (or the desk's default)."),
            field="language",
            code="unknown_language",
        )
    return code


def clean_time_zone(value: object) -> str:
    """An IANA time zone name known to ``zoneinfo`` or "" (the desk's TIME_ZONE)."""
    name = value.strip() if isinstance(value, str) else None
    if name is None or len(name) > MAX_TIME_ZONE or (name and name not in _time_zones()):
        raise InvalidInput(
            gettext("Choose a time zone from the list, such as Europe/Berlin."),
            field="time_zone",
            code="unknown_time_zone",
        )
    return name


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[str]:
    return sorted(_time_zones())


def do_set_staff_locale(
    user: User,
    *,
    actor: User,
    now: datetime,
    language: str | Unset = UNSET,
    time_zone: str | Unset = UNSET,
) -> User:
    """Set the language and time zone of a staff member's pages and mail. Staff set their
    own (account page, ``PATCH /api/v1/me``); admins anyone's. Audited as
    ``staff.locale_changed`` with the old and new values, only when something changed."""
    if not actor.is_agent_staff or not user.is_agent_staff:
        raise PermissionDenied(gettext("Only staff choose a language and time zone here."))
    if actor.pk != user.pk and actor.role != Role.ADMIN:
        raise PermissionDenied(gettext("You can change only your own language and time zone."))
    changes: dict[str, str] = {}
    if not isinstance(language, Unset):
        changes["language"] = clean_staff_language(language)
    if not isinstance(time_zone, Unset):
        changes["time_zone"] = clean_time_zone(time_zone)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = {name: getattr(locked, name) for name in changes}
        changed = {name: value for name, value in changes.items() if old[name] != value}
        if changed:
            for name, value in changed.items():
                setattr(locked, name, value)
            locked.save(update_fields=list(changed))
            audit.record(
                "staff.locale_changed",
                actor=actor,
                now=now,
                old={"user": locked.pk, **{k: old[k] for k in changed}},
                new={"user": locked.pk, **changed},
            )
    user.language, user.time_zone = locked.language, locked.time_zone
    return user


def require_admin(actor: User | None) -> User:
    """Staff accounts and teams are the admins' (as the admin pages are)."""
    if actor is None or not actor.is_agent_staff or actor.role != Role.ADMIN:
        raise PermissionDenied(
            gettext("Only admins can change staff accounts, teams and the desk's configuration."),
            code="admins_only",
        )
    return actor


def clean_name(value: str, *, field: str, max_chars: int) -> str:
    text = " ".join("".join(ch for ch in value if ch.isprintable()).split())
    if not text:
        raise InvalidInput(f"The {field} is empty.", field=field, code="empty")
    if len(text) > max_chars:
        raise InvalidInput(
            f"The {field} is too long ({len(text)} characters; the limit is {max_chars}).",
            field=field,
            code="too_long",
        )
    return text


def _clean_email(value: str) -> str:
    email = value.strip().lower()
    try:
        if len(email) > 254:  # the email column's length
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            f"“{value.strip()[:100]}” is not a valid email address.",
            field="email",
            code="invalid_email",
        ) from None
    return email


def _clean_role(role: str) -> Role:
    if role not in STAFF_ROLES:
        raise InvalidInput(
            f"Unknown staff role {role[:40]!r}; one of {', '.join(STAFF_ROLES)}.",
            field="role",
            code="invalid_role",
        )
    return Role(role)


def _admin_flags(user: User) -> None:
    # The admin role is what opens the admin pages (as ``createsuperuser`` sets it up).
    is_admin = user.role == Role.ADMIN
    user.is_staff = is_admin
    user.is_superuser = is_admin


def _staff_view(user: User) -> dict[str, Any]:
    return {
        "staff": user.pk,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_active": user.is_active,
    }


def do_create_staff(
    *,
    actor: User,
    email: str,
    name: str,
    role: str,
    now: datetime,
    password: str | None = None,
) -> User:
    """An admin adds a staff member with a role. Without a password the account cannot
    sign in until one is set (admin pages or ``caredesk`` CLI)."""
    require_admin(actor)
    address = _clean_email(email)
    name = clean_name(name, field="name", max_chars=MAX_NAME)
    staff_role = _clean_role(role)
    user = User(email=address, name=name, role=staff_role, date_joined=now)
    _admin_flags(user)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(
                " ".join(exc.messages), field="password", code="weak_password"
            ) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=address).exists():
                raise Conflict(f"There is already an account for {address}.", code="email_taken")
            user.save()
            audit.record("staff.created", actor=actor, now=now, new=_staff_view(user))
    except IntegrityError:
        raise Conflict(f"There is already an account for {address}.", code="email_taken") from None
    return user


def _locked_staff(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id, role__in=STAFF_ROLES).first()
    if user is None:
        raise NotFound(gettext("No such staff member."))
    return user


def _other_active_admins(user: User) -> bool:
    return User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()


def do_update_staff(
    user: User,
    *,
    actor: User,
    now: datetime,
    name: str | Unset = UNSET,
    role: str | Unset = UNSET,
) -> User:
    """Rename a staff member or change their role. The last active admin keeps the role
    (someone must be able to configure the desk)."""
    require_admin(actor)
    with transaction.atomic():
        user = _locked_staff(user.pk)
        old = _staff_view(user)
        fields: list[str] = []
        if not isinstance(name, Unset):
            new_name = clean_name(name, field="name", max_chars=MAX_NAME)
            if new_name != user.name:
                user.name = new_name
                fields.append("name")
        if not isinstance(role, Unset):
            new_role = _clean_role(role)
            if new_role != user.role:
                if user.role == Role.ADMIN and user.is_active and not _other_active_admins(user):
                    raise Conflict(
                        gettext("This is the last active admin; make someone else an admin first."),
                        code="last_admin",
                    )
                user.role = new_role
                _admin_flags(user)
                fields += ["role", "is_staff", "is_superuser"]
        if fields:
            user.save(update_fields=fields)
            audit.record("staff.changed", actor=actor, now=now, old=old, new=_staff_view(user))
    return user


def do_deactivate_staff(user: User, *, actor: User, now: datetime) -> User:
    """Sign a staff member out for good (never a deletion: their history stays theirs).
    Their API tokens are revoked; ``staff.deactivated`` hands their open cases back to
    their team's queue (the tickets app's reaction); they are marked away, so their open
    promises go to their lead before they fall due (the away handover). Safe to repeat."""
    require_admin(actor)
    with transaction.atomic():
        user = _locked_staff(user.pk)
        if not user.is_active:
            return user
        if user.pk == actor.pk:
            raise Conflict(
                gettext("You cannot deactivate your own account."), code="self_deactivation"
            )
        if user.role == Role.ADMIN and not _other_active_admins(user):
            raise Conflict(gettext("This is the last active admin."), code="last_admin")
        user.is_active = False
        # Away as well: the away handover passes their open promises to their lead as
        # they fall due, and approvals and escalations skip away people.
        user.is_away = True
        user.save(update_fields=["is_active", "is_away"])
        revoked = list(
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list(
                "prefix", flat=True
            )
        )
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit.record(
            "staff.deactivated",
            actor=actor,
            now=now,
            field="is_active",
            old={"staff": user.pk, "is_active": True},
            new={"staff": user.pk, "is_active": False, "tokens_revoked": revoked},
        )
    return user


def do_reactivate_staff(user: User, *, actor: User, now: datetime) -> User:
    """Let a deactivated staff member sign in again (with a new API token: the old ones
    stay revoked). Safe to repeat."""
    require_admin(actor)
    with transaction.atomic():
        user = _locked_staff(user.pk)
        if user.is_active:
            return user
        user.is_active = True
        user.is_away = False
        user.save(update_fields=["is_active", "is_away"])
        audit.record(
            "staff.reactivated",
            actor=actor,
            now=now,
            field="is_active",
            old={"staff": user.pk, "is_active": False},
            new={"staff": user.pk, "is_active": True},
        )
    return user


def _team_view(team: Team, member_ids: list[int]) -> dict[str, Any]:
    return {
        "team": team.pk,
        "name": team.name,
        "slug": team.slug,
        "lead": team.lead_id,
        "members": sorted(member_ids),
        "description": team.description,
    }


def _staff_by_ids(ids: list[int], field: str) -> list[User]:
    unique = sorted(set(ids))
    if len(unique) > MAX_MEMBERS:
        raise InvalidInput(f"At most {MAX_MEMBERS} members.", field=field, code="too_many")
    found = list(User.objects.filter(pk__in=unique, role__in=STAFF_ROLES, is_active=True))
    missing = sorted(set(unique) - {u.pk for u in found})
    if missing:
        raise InvalidInput(
            f"No active staff member with id {', '.join(map(str, missing[:10]))}.",
            field=field,
            code="unknown_staff",
        )
    return found


def _clean_slug(slug: str, name: str) -> str:
    value = slugify(slug or name)[:60].strip("-")
    if not value:
        raise InvalidInput(
            gettext("The slug needs at least one letter or digit."),
            field="slug",
            code="invalid_slug",
        )
    return value


def _check_team_unique(name: str, slug: str, exclude: int | None) -> None:
    others = Team.objects.exclude(pk=exclude) if exclude else Team.objects.all()
    if others.filter(name__iexact=name).exists():
        raise Conflict(f"A team called “{name}” exists.", code="name_taken")
    if others.filter(slug=slug).exists():
        raise Conflict(f"A team with the slug “{slug}” exists.", code="slug_taken")


def do_create_team(
    *,
    actor: User,
    name: str,
    now: datetime,
    slug: str = "",
    description: str = "",
    lead_id: int | None = None,
    member_ids: list[int] | None = None,
) -> Team:
    """A new team with its lead and members (the lead is made a member too)."""
    require_admin(actor)
    name = clean_name(name, field="name", max_chars=MAX_TEAM_NAME)
    slug = _clean_slug(slug, name)
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            gettext("The description is too long."), field="description", code="too_long"
        )
    ids = list(member_ids or [])
    lead = _staff_by_ids([lead_id], "lead_id")[0] if lead_id is not None else None
    members = _staff_by_ids(ids + ([lead.pk] if lead else []), "member_ids")
    try:
        with transaction.atomic():
            _check_team_unique(name, slug, None)
            team = Team.objects.create(name=name, slug=slug, description=description, lead=lead)
            Membership.objects.bulk_create(
                Membership(team=team, user=u, joined_at=now) for u in members
            )
            audit.record(
                "team.created", actor=actor, now=now, new=_team_view(team, [u.pk for u in members])
            )
    except IntegrityError:
        raise Conflict(f"A team called “{name}” exists.", code="name_taken") from None
    return team


def do_update_team(
    team: Team,
    *,
    actor: User,
    now: datetime,
    name: str | Unset = UNSET,
    slug: str | Unset = UNSET,
    description: str | Unset = UNSET,
    lead_id: int | Unset | None = UNSET,
    member_ids: list[int] | Unset = UNSET,
) -> Team:
    """Change a team; ``member_ids`` replaces the members (a new lead joins them). Cases
    of someone who leaves stay assigned to them: hand them over on the case page."""
    require_admin(actor)
    with transaction.atomic():
        team = Team.objects.select_for_update().filter(pk=team.pk).first() or _no_team()
        current = list(Membership.objects.filter(team=team).values_list("user_id", flat=True))
        old = _team_view(team, current)
        if not isinstance(name, Unset):
            team.name = clean_name(name, field="name", max_chars=MAX_TEAM_NAME)
        if not isinstance(slug, Unset):
            team.slug = _clean_slug(slug, team.name)
        if not isinstance(description, Unset):
            if len(description) > MAX_DESCRIPTION:
                raise InvalidInput(
                    gettext("The description is too long."), field="description", code="too_long"
                )
            team.description = description
        if not isinstance(lead_id, Unset):
            team.lead = _staff_by_ids([lead_id], "lead_id")[0] if lead_id is not None else None
        wanted = set(current) if isinstance(member_ids, Unset) else set(member_ids)
        if team.lead_id is not None:
            wanted.add(team.lead_id)
        if wanted != set(current):
            added = sorted(wanted - set(current))
            _staff_by_ids(added, "member_ids")
            Membership.objects.filter(team=team).exclude(user_id__in=wanted).delete()
            Membership.objects.bulk_create(
                Membership(team=team, user_id=pk, joined_at=now) for pk in added
            )
        _check_team_unique(team.name, team.slug, team.pk)
        team.save()
        new = _team_view(team, sorted(wanted))
        if new != old:
            audit.record("team.changed", actor=actor, now=now, old=old, new=new)
    return team


def _no_team() -> Team:
    raise NotFound(gettext("No such team."))


def do_delete_team(team: Team, *, actor: User, now: datetime) -> None:
    """Remove a team that no case and no SLA policy refers to (409 otherwise: move its
    cases and policies first)."""
    require_admin(actor)
    with transaction.atomic():
        team = Team.objects.select_for_update().filter(pk=team.pk).first() or _no_team()
        related = [
            rel
            for rel in Team._meta.related_objects
            if rel.related_model not in (Membership,) and not rel.many_to_many
        ]
        for rel in related:
            accessor = rel.get_accessor_name()
            if accessor and rel.one_to_many and getattr(team, accessor).exists():
                raise Conflict(
                    f"The team still has {rel.related_model._meta.verbose_name_plural}; "
                    "move them to another team first.",
                    code="team_in_use",
                )
        members = list(Membership.objects.filter(team=team).values_list("user_id", flat=True))
        audit.record("team.deleted", actor=actor, now=now, old=_team_view(team, members))
        team.delete()


def do_unlock_sign_in(*, actor: User, email: str, now: datetime) -> int:
    """An admin lets every address try this account's password again at once (after the
    owner confirmed the wrong passwords were theirs). Returns how many waiting pairs were
    cleared; audited even when there were none."""
    require_admin(actor)
    email = normal_email(email)
    with transaction.atomic():
        rows = list(
            PasswordThrottle.objects.filter(email=email)
            .order_by("ip")
            .values_list("ip", "failures")
        )
        PasswordThrottle.objects.filter(email=email).delete()
        audit.record(
            "staff.sign_in_unlocked",
            actor=actor,
            now=now,
            field="sign_in",
            old={"email": email, "waiting": [{"ip": ip, "failures": n} for ip, n in rows]},
            new={"email": email, "waiting": []},
        )
    return len(rows)


# --- single sign-on (docs/single-sign-on.md) ---------------------------------------------


def _teams_named(names: tuple[str, ...]) -> list[Team]:
    """The teams the group mapping names (by name or slug); names without a team are
    skipped (the audit event lists them)."""
    found: list[Team] = []
    for name in names:
        team = (
            Team.objects.filter(name__iexact=name).first()
            or Team.objects.filter(slug=slugify(name)).first()
        )
        if team is not None:
            found.append(team)
    return found


def _sync_memberships(user: User, grant: Grant, now: datetime) -> dict[str, list[str]]:
    """Join the granted teams and leave the other teams the mapping manages; teams that
    the mapping never names are left as the admins set them."""
    wanted = {t.pk: t for t in _teams_named(grant.teams)}
    managed = {t.pk for t in _teams_named(grant.managed_teams)}
    current = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    joined = [t for pk, t in wanted.items() if pk not in current]
    left = managed & current - set(wanted)
    Membership.objects.bulk_create(Membership(team=t, user=user, joined_at=now) for t in joined)
    if left:
        Membership.objects.filter(user=user, team_id__in=left).delete()
    return {
        "joined": sorted(t.name for t in joined),
        "left": sorted(Team.objects.filter(pk__in=left).values_list("name", flat=True)),
    }


SIGN_IN_METHODS: Final = ("oidc", "saml", "ldap")


def do_sign_in_staff_from_sso(
    *,
    email: str,
    name: str,
    grant: Grant,
    sync: bool,
    provider: str,
    method: str,
    now: datetime,
) -> User:
    """The staff account for a person an identity provider vouched for: the OpenID
    provider (``method="oidc"``), the SAML identity provider (``method="saml"``) or the
    directory after the person's password (``method="ldap"``); the events name both the
    method and the provider.

    An unknown email gets a staff account (no password) with the role and teams of their
    groups (``staff.created_from_sso``). A known staff account gets its role and the
    mapped teams brought in line when ``sync`` is on (``staff.synced_from_sso``; the last
    active admin keeps the role). Refused: a customer's email, a deactivated account."""
    if method not in SIGN_IN_METHODS:
        raise ValueError(f"unknown sign-in method {method[:20]!r}")
    address = _clean_email(email)
    via = {"method": method, "provider": provider[:100]}
    display = clean_name(name or address.split("@")[0], field="name", max_chars=MAX_NAME)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=address).first()
        if user is not None and user.is_customer:
            raise PermissionDenied(
                gettext(
                    "This address belongs to a customer; customers sign in through the portal."
                ),
                code="customer",
            )
        if user is not None and not user.is_active:
            raise PermissionDenied(
                gettext("Your caredesk account is deactivated. Ask an admin to reactivate it."),
                code="deactivated",
            )
        if user is None:
            user = User(email=address, name=display, role=grant.role, date_joined=now)
            _admin_flags(user)
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                raise Conflict(f"There is already an account for {address}.") from None
            teams = _sync_memberships(user, grant, now)
            audit.record(
                "staff.created_from_sso",
                actor=None,
                now=now,
                new={**_staff_view(user), "teams": teams["joined"], **via},
                note=f"signed in with {provider[:100]}",
            )
            return user
        if not sync:
            return user
        old = _staff_view(user)
        fields: list[str] = []
        if grant.role != user.role:
            last_admin = user.role == Role.ADMIN and not _other_active_admins(user)
            if not last_admin:
                user.role = grant.role
                _admin_flags(user)
                fields += ["role", "is_staff", "is_superuser"]
        teams = _sync_memberships(user, grant, now)
        if fields:
            user.save(update_fields=fields)
        if fields or teams["joined"] or teams["left"]:
            audit.record(
                "staff.synced_from_sso",
                actor=None,
                now=now,
                old=old,
                new={**_staff_view(user), **teams, **via},
                note=f"groups at {provider[:100]}",
            )
    return user
