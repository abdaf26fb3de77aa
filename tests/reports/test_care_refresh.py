"""The daily care figures from real case histories, with an injected clock."""

from __future__ import annotations

from datetime import timedelta

from caredesk.channels.phone.actions import do_log_call
from caredesk.escalations.actions import do_end_abusive_conversation
from caredesk.promises.actions import do_keep_promise, do_make_promise
from caredesk.promises.actions.make import PromiseDraft
from caredesk.reports.aggregates import refresh_if_stale
from caredesk.reports.care import refresh_care_day
from caredesk.reports.models import CareDay, CareTagDay
from caredesk.tickets import actions
from tests.reports.conftest import D, H, open_case, reopen, reply, resolve, solved_once

NAMES = (
    "opened", "resolved", "fcr_yes", "fcr_pending", "reopened", "repeat_contacts",
    "protected", "backlog", "first_responses", "promises_kept", "promises_missed",
    "handle_seconds",
)  # fmt: skip


def totals(day, model=CareDay, **filters):
    out = dict.fromkeys(NAMES, 0)
    for row in model.objects.filter(day=day, **filters):
        for name in NAMES:
            out[name] += getattr(row, name)
    return out


def test_fcr_is_pending_for_seven_days_then_yes(desk, now):
    start = now - 20 * D
    solved_once(desk, start)
    day = start.date()
    refresh_care_day(day, start + 2 * D)
    assert totals(day)["resolved"] == 1 and totals(day)["fcr_pending"] == 1
    refresh_care_day(day, start + 8 * D)
    assert totals(day)["fcr_yes"] == 1 and totals(day)["fcr_pending"] == 0


def test_reopen_is_counted_and_ends_fcr(desk, now):
    start = now - 20 * D
    case = solved_once(desk, start)
    reopen(desk, case, start + 2 * D)
    resolve(desk, case, start + 3 * D)
    refresh_care_day(start.date(), now)
    got = totals(start.date())
    assert got["resolved"] == 1 and got["reopened"] == 1 and got["fcr_yes"] == 0
    # The second resolution is not a new first resolution.
    assert totals((start + 3 * D).date())["resolved"] == 0


def _repeat_after(desk, now, gap, subject, body):
    start = now - 25 * D
    solved_once(desk, start)  # resolved at start + 1h
    later = start + H + gap
    open_case(desk, later, subject=subject, body=body)
    refresh_care_day(later.date(), now)
    refresh_care_day(start.date(), now)
    return totals(later.date())["repeat_contacts"], totals(start.date())


def test_repeat_contact_on_the_same_day(desk, now):
    repeats, first = _repeat_after(desk, now, 3 * H, "Parcel never came", "Where is my parcel?")
    assert repeats == 1 and first["fcr_yes"] == 0  # and the first case was followed up


def test_repeat_contact_six_days_later(desk, now):
    repeats, first = _repeat_after(desk, now, 6 * D, "Parcel never came", "Where is my parcel?")
    assert repeats == 1 and first["fcr_yes"] == 0


def test_eight_days_later_a_different_topic_is_not_a_repeat(desk, now):
    repeats, first = _repeat_after(desk, now, 8 * D, "Parcel never came", "Where is my parcel?")
    assert repeats == 0 and first["fcr_yes"] == 1


def test_eight_days_later_a_similar_topic_is_a_repeat(desk, now):
    repeats, first = _repeat_after(
        desk, now, 8 * D, "Invoice wrong again", "I was charged twice again."
    )
    assert repeats == 1 and first["fcr_yes"] == 1  # FCR looks at 7 days only


def test_ended_abusive_conversation_is_left_out_of_agent_figures(desk, now):
    start = now - 20 * D
    case = open_case(desk, start, customer=desk.alice)
    actions.do_assign(case, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=start)
    reply(desk, case, start + H)
    do_end_abusive_conversation(case, agent=desk.agent, reason="Threats", now=start + 2 * H)
    resolve(desk, case, start + 3 * H)
    solved_once(desk, start)  # an ordinary case the same day
    refresh_care_day(start.date(), now)
    got = totals(start.date())
    assert got["opened"] == 2 and got["protected"] == 1
    assert got["resolved"] == 1 and got["first_responses"] == 1  # only the ordinary case
    mine = totals(start.date(), agent_id=desk.agent.pk)
    assert mine["opened"] == 1 and mine["protected"] == 0  # only the ordinary case
    assert CareDay.objects.filter(day=start.date(), protected=1).get().agent_id == 0


def test_backlog_is_what_was_open_at_the_end_of_each_day(desk, now):
    start = now - 10 * D
    case = open_case(desk, start)
    resolve(desk, case, start + 2 * D)
    reopen(desk, case, start + 4 * D)
    for offset in range(6):
        refresh_care_day((start + offset * D).date(), now)
    backlog = [totals((start + i * D).date())["backlog"] for i in range(6)]
    assert backlog == [1, 1, 0, 0, 1, 1]


def test_promises_handle_time_and_tags(desk, now):
    start = now - 10 * D
    case = open_case(desk, start)
    actions.do_set_tags(case, actor=desk.agent, names=["billing", "refund"], now=start)
    draft = PromiseDraft(kind="update", text="I will call you back", due_at=start + 5 * H)
    promise = do_make_promise(case, actor=desk.agent, draft=draft, now=start)
    do_keep_promise(promise, actor=desk.lead, note="Called", now=start + 2 * H)
    do_log_call(
        case, agent=desk.agent, direction="outbound", number="+4930123", duration_seconds=300,
        outcome="reached", notes="", now=start + 2 * H,
    )  # fmt: skip
    refresh_care_day(start.date(), now)
    got = totals(start.date())
    assert got["promises_kept"] == 1 and got["promises_missed"] == 0
    assert got["handle_seconds"] == 300
    assert totals(start.date(), CareTagDay, tag="billing")["opened"] == 1
    assert totals(start.date(), CareTagDay, tag="refund")["opened"] == 1
    assert not CareTagDay.objects.filter(day=start.date(), tag="").exists()


def test_the_periodic_refresh_covers_the_fcr_window(desk, now):
    old = now - 8 * D
    solved_once(desk, old)
    too_old = now - 12 * D
    solved_once(desk, too_old, customer=desk.alice, subject="Parcel late", body="Where?")
    assert refresh_if_stale(now) is True
    assert totals(old.date())["resolved"] == 1
    assert totals(too_old.date())["resolved"] == 0  # older days: caredesk reports backfill
    assert refresh_if_stale(now + timedelta(minutes=5)) is False


def test_today_refreshes_every_ten_minutes_and_the_settling_days_every_hour(desk, now):
    assert refresh_if_stale(now) is True
    yesterday = now - D
    solved_once(desk, yesterday)  # e.g. imported late, or a follow-up moving the figure
    today = now + timedelta(minutes=11)
    solved_once(desk, today, customer=desk.alice, subject="Parcel late", body="Where?")
    assert refresh_if_stale(today) is True
    assert totals(today.date())["opened"] == 1
    assert totals(yesterday.date())["opened"] == 0  # not yet: within the hour
    assert refresh_if_stale(now + timedelta(minutes=61)) is True
    assert totals(yesterday.date())["opened"] == 1


def test_refresh_is_idempotent(desk, now):
    start = now - 3 * D
    solved_once(desk, start)
    refresh_care_day(start.date(), now)
    first = list(CareDay.objects.values_list("day", "team_id", "agent_id", "opened", "resolved"))
    refresh_care_day(start.date(), now)
    again = list(CareDay.objects.values_list("day", "team_id", "agent_id", "opened", "resolved"))
    assert first == again and len(first) == 1
