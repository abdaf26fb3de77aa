"""The dashboard's filters (date range, team) from GET parameters or API query strings,
checked the same way for the page, its CSV exports and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, Team, User
from caredesk.reports.buckets import report_zone
from caredesk.reports.dashboard import DEFAULT_DAYS, MAX_DAYS


class BadFilter(ValueError):
    """A filter the user can fix; the message says how."""


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    team: Team | None

    @property
    def team_id(self) -> int | None:
        return self.team.pk if self.team else None

    def query(self) -> str:
        team = f"&team={self.team.pk}" if self.team else ""
        return f"from={self.start:%Y-%m-%d}&to={self.end:%Y-%m-%d}{team}"


def may_see_reports(user: User) -> bool:
    """Leads, managers and admins (the role model in accounts)."""
    return user.is_agent_staff and user.level >= ROLE_LEVEL[Role.LEAD]


def date_message(name: str) -> str:
    """The message for a date that cannot be read, in the reader's language."""
    if name == "from":
        return gettext("The from date must look like 2026-11-23.")
    return gettext("The to date must look like 2026-11-23.")


def _day(raw: str | None, name: str) -> date | None:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) != 10:
        raise BadFilter(date_message(name))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(date_message(name)) from None


def _team(raw: str | None) -> Team | None:
    value = (raw or "").strip()
    if not value or value == "all":
        return None
    if not value.isdigit() or len(value) > 12:
        raise BadFilter(gettext("Choose a team from the list."))
    team = Team.objects.filter(pk=int(value)).first()
    if team is None:
        raise BadFilter(gettext("There is no such team."))
    return team


def default_filters(now: datetime) -> Filters:
    today = now.astimezone(report_zone()).date()
    return Filters(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today, team=None)


def parse_filters(
    raw_from: str | None, raw_to: str | None, raw_team: str | None, now: datetime
) -> Filters:
    """The filters, or :class:`BadFilter` with a message for the user."""
    today = now.astimezone(report_zone()).date()
    start, end = _day(raw_from, "from"), _day(raw_to, "to")
    end = end or today
    try:
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    except OverflowError:
        raise BadFilter(date_message("to")) from None
    if start > end:
        raise BadFilter(gettext("The start date is after the end date."))
    if (end - start).days + 1 > MAX_DAYS:
        raise BadFilter(gettext("Choose at most %(days)s days.") % {"days": MAX_DAYS})
    return Filters(start=start, end=end, team=_team(raw_team))
