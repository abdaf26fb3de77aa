"""Next case serves the agent's promise that falls due within its reminder lead time
before any queue work (issue 15: promises kept ≥ 98 %): the page and the API give the
same answer, and only the owner's own promises count."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils.html import escape

from caredesk.customers.models import Tier
from caredesk.promises.selectors import due_promise_case
from caredesk.sla.models import TierRule
from caredesk.sla.queue import next_work
from caredesk.tickets.models import Ticket
from tests.api.conftest import ApiClient, token_for
from tests.promises.conftest import open_case, promise

M = timedelta(minutes=1)


def waiting_vip(desk, now):
    TierRule.objects.get_or_create(tier=Tier.VIP, defaults={"weight": 0.1})
    return open_case(desk, now, customer=desk.alice, subject="VIP waiting")


def test_a_promise_due_within_the_lead_time_comes_before_the_queue(desk, now, case, frozen):
    kept = promise(case, desk.agent, now, hours=2)
    queued = waiting_vip(desk, now)
    assert due_promise_case(desk.agent, now + 59 * M) is None  # 61 minutes before due
    frozen.set(now + 61 * M)  # 59 minutes before due: the promise first
    client = Client()
    client.force_login(desk.agent)
    response = client.post("/sla/next/", follow=True)
    assert response.redirect_chain[0][0] == f"/cases/{case.pk}/"
    page = response.content.decode()
    assert f"Your promise on {case.reference} is due" in page
    assert escape(kept.text) in page
    # The queue case was not taken on the way.
    assert Ticket.objects.get(pk=queued.pk).assignee_id is None
    # The API's Next case is the same action.
    api = ApiClient(token_for(desk.agent, now))
    body = api.post("/api/v1/queue/next").json()
    assert body["case"]["id"] == case.pk


def test_a_missed_promise_not_yet_kept_still_comes_first(desk, now, case):
    p = promise(case, desk.agent, now, hours=1)
    from caredesk.promises.models import Promise, State

    Promise.objects.filter(pk=p.pk).update(state=State.MISSED)
    found = due_promise_case(desk.agent, now + 90 * M)
    assert found is not None
    ticket, message = found
    assert ticket == case and "was due" in message


def test_only_my_own_pending_promises_count(desk, now, case):
    p = promise(case, desk.agent, now, hours=1)
    assert due_promise_case(desk.other_agent, now + 30 * M) is None
    assert due_promise_case(desk.lead, now + 30 * M) is None
    from caredesk.promises.models import Promise, State

    Promise.objects.filter(pk=p.pk).update(state=State.KEPT)
    assert due_promise_case(desk.agent, now + 30 * M) is None


def test_no_promise_due_leaves_next_case_as_it_was(desk, now):
    queued = waiting_vip(desk, now)
    work = next_work(desk.agent, now + M)
    assert work.ticket == queued and work.message == f"{queued.reference} is now yours."
    assert next_work(desk.agent, now + 2 * M).ticket is None


def test_customers_get_nothing_from_next_case(desk, now, case):
    promise(case, desk.agent, now, hours=1)
    assert next_work(desk.alice.user, now + 30 * M).ticket is None
