"""The care dashboard's numbers (leads, managers and admins): the same filters, the same
sums over the daily aggregate rows and the same tables as ``/reports/`` and its CSVs."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from caredesk.accounts.models import User
from caredesk.channels.api.auth import require_staff
from caredesk.channels.api.errors import ERROR_CODES
from caredesk.channels.api.schemas import ErrorOut
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.reports import by_field, dashboard, time
from caredesk.reports.dashboard import Figures, Group
from caredesk.reports.filters import BadFilter, Filters, may_see_reports, parse_filters

router = Router(tags=["reports"])


def _reader_and_filters(
    request: HttpRequest, start: str | None, end: str | None, team: str | None
) -> tuple[User, Filters]:
    """The staff member asking (leads, managers and admins only) and the report filters;
    403 for agents, 400 for a bad date, range or team."""
    user = require_staff(request)
    if not may_see_reports(user):
        raise PermissionDenied("Reports are for leads, managers and admins.", code="leads_only")
    try:
        return user, parse_filters(start, end, team, clock.now())
    except BadFilter as exc:
        raise DomainError(str(exc), code="invalid_filter") from None


class FiguresOut(Schema):
    opened: int
    resolved: int
    fcr_yes: int
    fcr_pending: int
    fcr_rate: float | None = Field(description="fcr_yes / (resolved - fcr_pending); 0..1.")
    repeat_contacts: int
    repeat_rate: float | None = Field(description="repeat_contacts / (opened - protected).")
    reopened: int
    reopen_rate: float | None = Field(description="reopened / resolved.")
    protected: int = Field(description="Ended abusive conversations, left out of the figures.")
    backlog: int = Field(description="Cases open at the end of the last day of the range.")
    first_responses: int
    avg_first_response_minutes: float | None
    promises_kept: int
    promises_missed: int
    promise_kept_rate: float | None
    handle_seconds: int = Field(description="Logged call time. Shown, never a target.")
    csat_good: int = Field(description="Satisfaction ratings first given in the range: good.")
    csat_neutral: int
    csat_bad: int
    csat_rate: float | None = Field(description="csat_good / (good + neutral + bad); 0..1.")


class GroupOut(Schema):
    key: str = Field(description="Team or agent id, channel, tier or tag; '0' or '' = none.")
    label: str
    figures: FiguresOut


class DayOut(Schema):
    day: date
    figures: FiguresOut


class TierTimesOut(Schema):
    tier: str
    label: str
    first_responses: int
    p50_minutes: float | None = Field(description="Estimated from daily histograms.")
    p90_minutes: float | None = Field(description="null when none; 43200+ is 'more'.")


class CareReportOut(Schema):
    start: date
    end: date
    team_id: int | None
    summary: FiguresOut
    days: list[DayOut]
    by_team: list[GroupOut]
    by_agent: list[GroupOut]
    by_channel: list[GroupOut]
    by_tier: list[GroupOut]
    by_tag: list[GroupOut]
    response_by_tier: list[TierTimesOut]


def _figures(f: Figures) -> FiguresOut:
    return FiguresOut(
        opened=f.opened,
        resolved=f.resolved,
        fcr_yes=f.fcr_yes,
        fcr_pending=f.fcr_pending,
        fcr_rate=f.fcr_rate,
        repeat_contacts=f.repeat_contacts,
        repeat_rate=f.repeat_rate,
        reopened=f.reopened,
        reopen_rate=f.reopen_rate,
        protected=f.protected,
        backlog=f.backlog,
        first_responses=f.first_responses,
        avg_first_response_minutes=f.avg_first_response_minutes,
        promises_kept=f.promises_kept,
        promises_missed=f.promises_missed,
        promise_kept_rate=f.promise_kept_rate,
        handle_seconds=f.handle_seconds,
        csat_good=f.csat_good,
        csat_neutral=f.csat_neutral,
        csat_bad=f.csat_bad,
        csat_rate=f.csat_rate,
    )


def _groups(groups: list[Group]) -> list[GroupOut]:
    return [GroupOut(key=g.key, label=g.label, figures=_figures(g.figures)) for g in groups]


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 1) if value != float("inf") else 43200.0


@router.get("/care", response={200: CareReportOut, ERROR_CODES: ErrorOut})
def care_report(
    request: HttpRequest,
    start: str | None = Query(None, alias="from", max_length=10, description="2026-11-01"),
    end: str | None = Query(None, alias="to", max_length=10, description="2026-11-30"),
    team: str | None = Query(None, max_length=12, description="A team id; empty: all."),
) -> CareReportOut:
    """FCR, repeat contacts, reopen rate, response times by tier, promises kept, volume,
    backlog and handle time for a date range (inclusive days, default the last 30) and
    optionally one team — per day, team, agent, channel, tier and tag. 400 for a bad
    date or range (at most 366 days) or an unknown team; 403 for agents."""
    _, filters = _reader_and_filters(request, start, end, team)
    dash = dashboard.build(filters.start, filters.end, filters.team_id)
    return CareReportOut(
        start=dash.start,
        end=dash.end,
        team_id=dash.team_id,
        summary=_figures(dash.overall),
        days=[DayOut(day=d, figures=_figures(f)) for d, f in dash.days],
        by_team=_groups(dash.by_team),
        by_agent=_groups(dash.by_agent),
        by_channel=_groups(dash.by_channel),
        by_tier=_groups(dash.by_tier),
        by_tag=_groups(dash.by_tag),
        response_by_tier=[
            TierTimesOut(
                tier=t.tier,
                label=t.label,
                first_responses=t.count,
                p50_minutes=_finite(t.p50),
                p90_minutes=_finite(t.p90),
            )
            for t in dash.response_by_tier
        ],
    )


class TimeRowOut(Schema):
    id: int | None = Field(description="The agent, team or customer id; null: none recorded.")
    label: str
    minutes: int
    entries: int
    cases: int = Field(description="Distinct cases the minutes were recorded on.")


class TimeReportOut(Schema):
    start: date
    end: date
    team_id: int | None
    total_minutes: int
    total_entries: int
    by_agent: list[TimeRowOut] = Field(description=f"At most {time.MAX_ROWS}, most time first.")
    by_team: list[TimeRowOut]
    by_customer: list[TimeRowOut]


def _time_rows(rows: list[time.TimeRow]) -> list[TimeRowOut]:
    return [
        TimeRowOut(id=r.key, label=r.label, minutes=r.minutes, entries=r.entries, cases=r.cases)
        for r in rows
    ]


@router.get("/time", response={200: TimeReportOut, ERROR_CODES: ErrorOut})
def time_report(
    request: HttpRequest,
    start: str | None = Query(None, alias="from", max_length=10, description="2026-11-01"),
    end: str | None = Query(None, alias="to", max_length=10, description="2026-11-30"),
    team: str | None = Query(None, max_length=12, description="A team id; empty: all."),
) -> TimeReportOut:
    """Minutes recorded with replies and notes per agent, team and customer, for a date
    range (inclusive days, default the last 30) and optionally one team: the numbers of
    ``/reports/time/``. 400 for a bad date or range or an unknown team; 403 for agents."""
    _, filters = _reader_and_filters(request, start, end, team)
    report = time.build(filters)
    return TimeReportOut(
        start=filters.start,
        end=filters.end,
        team_id=filters.team_id,
        total_minutes=report.total_minutes,
        total_entries=report.total_entries,
        by_agent=_time_rows(report.rows.get("agent", [])),
        by_team=_time_rows(report.rows.get("team", [])),
        by_customer=_time_rows(report.rows.get("customer", [])),
    )


class FieldRowOut(Schema):
    value: str = Field(description='An option, "Yes"/"No" for a checkbox, or "(no value)".')
    opened: int
    still_open: int
    done: int = Field(description="Resolved or closed.")
    breached: int = Field(description="Past an SLA target.")


class FieldReportOut(Schema):
    field: str
    label: str
    start: date
    end: date
    team_id: int | None
    cases: int = Field(description="Cases opened in the range (each once).")
    rows: list[FieldRowOut]


@router.get("/fields", response={200: FieldReportOut, ERROR_CODES: ErrorOut})
def fields_report(
    request: HttpRequest,
    field: str | None = Query(None, max_length=40, description="A case field's key."),
    start: str | None = Query(None, alias="from", max_length=10, description="2026-11-01"),
    end: str | None = Query(None, alias="to", max_length=10, description="2026-11-30"),
    team: str | None = Query(None, max_length=12, description="A team id; empty: all."),
) -> FieldReportOut:
    """The cases opened in a date range grouped by a case field with fixed choices (select,
    multi select, checkbox): the numbers of ``/reports/fields/``. 404 for a field that does
    not exist or that you may not see; 400 for a bad date or team; 403 for agents."""
    user, filters = _reader_and_filters(request, start, end, team)
    _, chosen = by_field.choose(user, field)
    if chosen is None:
        raise NotFound("No case field with fixed choices by that key.")
    report = by_field.build(filters, chosen)
    return FieldReportOut(
        field=chosen.key,
        label=chosen.label,
        start=filters.start,
        end=filters.end,
        team_id=filters.team_id,
        cases=report.cases,
        rows=[FieldRowOut(**vars(r)) for r in report.rows],
    )
