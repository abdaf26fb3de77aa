"""The pages: case panel, reply with a promise, keep/move/hand over, call log, inbox,
portal (promises and callback requests), report — with hostile and malformed input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.channels.phone.models import CallLog
from caredesk.promises.models import Promise, State
from caredesk.tickets.models import Message, MessageKind
from tests.case_page import case_page_html

from .conftest import open_case, promise


def local(dt):
    return dt.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def agent_client(client, desk):
    client.force_login(desk.agent)
    return client


def test_case_page_shows_the_panel_and_a_made_promise(agent_client, desk, case, now, frozen):
    html = case_page_html(agent_client, case.pk)
    assert 'id="promises"' in html and "No promises on this case yet" in html
    assert "Make a promise with this reply" in html
    r = agent_client.post(
        f"/promises/cases/{case.pk}/make",
        {
            "kind": "update",
            "text": "Update on the claim",
            "due": local(now + timedelta(days=1)),
            "customer_visible": "on",
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("#promises")
    p = Promise.objects.get()
    assert p.owner == desk.agent and p.customer_visible and p.due_at == now + timedelta(days=1)
    html = case_page_html(agent_client, case.pk)
    assert "Update on the claim" in html and "Tuesday 24 November 2026 at 09:30" in html


@pytest.mark.parametrize(
    ("due", "text", "message"),
    [
        ("2020-01-01T10:00", "Call back", "in the past"),
        ("9999-12-31T23:59", "Call back", "more than a year ahead"),
        ("tomorrow-ish", "Call back", "not a date and time"),
        ("", "Call back", "Give the due time"),
        ("2026-11-24T10:00", "", "This field is required"),
        ("2026-11-24T10:00", "x" * 5000, "at most 500"),
        ("2026-11-24T10:00" + "0" * 100, "Call", "at most 40"),
    ],
)
def test_make_refuses_bad_input_and_keeps_what_was_typed(
    agent_client, case, frozen, due, text, message
):
    r = agent_client.post(
        f"/promises/cases/{case.pk}/make", {"kind": "callback", "text": text, "due": due}
    )
    assert r.status_code == 400
    assert message in r.content.decode()
    assert Promise.objects.count() == 0


def test_unknown_kind_and_owner_are_refused(agent_client, case, now, frozen):
    due = local(now + timedelta(hours=3))
    r = agent_client.post(
        f"/promises/cases/{case.pk}/make", {"kind": "bribe", "text": "x", "due": due}
    )
    assert r.status_code == 400
    r = agent_client.post(
        f"/promises/cases/{case.pk}/make",
        {"kind": "fix", "text": "x", "due": due, "owner": "99999"},
    )
    assert r.status_code == 400
    assert Promise.objects.count() == 0


def test_someone_elses_case_is_not_found(client, desk, case, now, frozen):
    client.force_login(desk.other_agent)  # Delivery team: cannot see a Billing case
    r = client.post(
        f"/promises/cases/{case.pk}/make",
        {"kind": "fix", "text": "x", "due": local(now + timedelta(hours=3))},
    )
    assert r.status_code == 404
    p = promise(case, desk.agent, now)
    for verb in ("keep", "renegotiate", "reassign", "cancel"):
        assert client.post(f"/promises/{p.pk}/{verb}", {"note": "x"}).status_code == 404
    assert client.post(f"/phone/cases/{case.pk}/calls", {}).status_code == 404
    assert client.post("/promises/99999999999999999999/keep", {}).status_code == 404


def test_reply_with_a_promise_from_the_reply_box(agent_client, desk, case, now, frozen):
    r = agent_client.post(
        f"/cases/{case.pk}/reply",
        {
            "reply-body": "Sorry the van came outside your booked slot. I'll ring you this afternoon.",
            "reply-status_after": "waiting_customer",
            "reply-promise_kind": "callback",
            "reply-promise_text": "Call about the delivery slot",
            "reply-promise_due": local(now + timedelta(hours=5)),
            "reply-promise_visible": "on",
        },
    )
    assert r.status_code == 302
    reply = Message.objects.get(kind=MessageKind.REPLY)
    assert "Our promise: we will call you back by Monday 23 November 2026 at 14:30" in reply.body
    assert Promise.objects.get().text == "Call about the delivery slot"


def test_reply_with_a_bad_promise_sends_nothing(agent_client, case, now, frozen):
    r = agent_client.post(
        f"/cases/{case.pk}/reply",
        {
            "reply-body": "Sorry the van was late. I'll ring you.",
            "reply-status_after": "waiting_customer",
            "reply-promise_kind": "callback",
            "reply-promise_text": "Call",
            "reply-promise_due": "1999-01-01T00:00",
        },
    )
    assert r.status_code == 400
    assert "in the past" in r.content.decode()
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()


def test_keep_move_hand_over_and_cancel_through_the_forms(agent_client, desk, case, now, frozen):
    p = promise(case, desk.agent, now, kind="update")
    r = agent_client.post(
        f"/promises/{p.pk}/renegotiate", {"due": local(now + timedelta(days=2)), "message": ""}
    )
    assert r.status_code == 400 and "needs a message to the customer" in r.content.decode()
    r = agent_client.post(
        f"/promises/{p.pk}/renegotiate",
        {"due": local(now + timedelta(days=2)), "message": "Two more days, sorry."},
    )
    assert r.status_code == 302
    r = agent_client.post(
        f"/promises/{p.pk}/reassign", {"owner": str(desk.lead.pk), "reason": "Lena knows"}
    )
    assert r.status_code == 302
    # Now owned by the lead: the agent may no longer manage it.
    r = agent_client.post(f"/promises/{p.pk}/cancel", {"note": "not needed"})
    assert r.status_code == 403
    agent_client.force_login(desk.lead)
    r = agent_client.post(f"/promises/{p.pk}/keep", {"note": "x" * 6000})
    assert r.status_code == 400
    r = agent_client.post(f"/promises/{p.pk}/keep", {"note": "Sent by phone."})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.state == State.KEPT and p.owner == desk.lead


def test_log_call_form_keeps_the_callback_and_refuses_nonsense(
    agent_client, desk, case, now, frozen
):
    p = promise(case, desk.agent, now)
    base = {
        "direction": "outbound",
        "number": "+49 30 123",
        "minutes": "3",
        "seconds": "5",
        "outcome": "reached",
        "notes": "ok",
    }
    for bad in (
        {"direction": "sideways"},
        {"outcome": "shouted"},
        {"minutes": "-1"},
        {"minutes": "99999999"},
        {"number": "<script>"},
        {"notes": "n" * 6000},
    ):
        r = agent_client.post(f"/phone/cases/{case.pk}/calls", {**base, **bad})
        assert r.status_code == 400, bad
    assert CallLog.objects.count() == 0
    r = agent_client.post(f"/phone/cases/{case.pk}/calls", base)
    assert r.status_code == 302
    call = CallLog.objects.get()
    assert call.duration_seconds == 185 and call.kept_promise_id == p.pk
    html = case_page_html(agent_client, case.pk)
    assert "kept: Call back with the courier" in html


def test_inbox_highlights_and_sorts_by_nearest_promise(agent_client, desk, now, frozen):
    later_case = open_case(desk, now, subject="Later promise")
    sooner_case = open_case(desk, now, subject="Sooner promise")
    open_case(desk, now, subject="No promise")
    promise(later_case, desk.agent, now, hours=30)
    promise(sooner_case, desk.agent, now, hours=0.5)
    html = agent_client.get("/?tab=open&sort=promises").content.decode()
    assert html.index("Sooner promise") < html.index("Later promise") < html.index("No promise")
    assert "Promise due in 30 minutes" in html


def test_portal_shows_visible_promises_and_takes_a_callback_request(
    client, desk, case, now, frozen
):
    promise(case, desk.agent, now, text="Call back with the courier's answer")
    promise(case, desk.agent, now, text="Check the warehouse notes", customer_visible=False)
    client.force_login(desk.alice.user)
    html = client.get(f"/portal/cases/{case.pk}/").content.decode()
    assert "Call back with the courier&#x27;s answer" in html
    assert "Check the warehouse notes" not in html
    assert "Request a callback" in html
    url = f"/promises/portal/cases/{case.pk}/callback"
    for bad, words in (
        ({"number": "call me maybe"}, "does not look like a phone number"),
        ({"window_end": "2001-01-01T10:00"}, "in the past"),
        ({"window_end": "9999-01-01T10:00"}, "more than a year ahead"),
        (
            {"window_start": "2026-11-24T12:00", "window_end": "2026-11-24T10:00"},
            "end after it starts",
        ),
        ({"window_end": ""}, "Give the end of the window"),
    ):
        data = {
            "number": "+44 20 7946 0000",
            "window_start": "2026-11-24T09:00",
            "window_end": "2026-11-24T11:00",
            **bad,
        }
        r = client.post(url, data)
        assert r.status_code == 400, (bad, r.content[:300])
        assert words in r.content.decode()
    r = client.post(
        url,
        {
            "number": "+44 20 7946 0000",
            "window_start": "2026-11-24T09:00",
            "window_end": "2026-11-24T11:00",
            "note": "Mornings only",
        },
    )
    assert r.status_code == 302
    p = Promise.objects.get(requested_by_customer=True)
    assert (
        p.kind == "callback" and p.owner == desk.agent and p.callback_number == "+44 20 7946 0000"
    )
    assert "Mornings only" in p.text
    # One pending request per case.
    r = client.post(url, {"number": "+44 20 7946 0000", "window_end": "2026-11-25T11:00"})
    assert r.status_code == 409
    html = client.get(f"/portal/cases/{case.pk}/").content.decode()
    assert "Call +44 20 7946 0000 between" in html


def test_customer_cannot_request_a_callback_on_someone_elses_case(client, desk, case, now, frozen):
    client.force_login(desk.bob.user)
    r = client.post(
        f"/promises/portal/cases/{case.pk}/callback",
        {"number": "+1 555 0100", "window_end": "2026-11-24T11:00"},
    )
    assert r.status_code == 404
    client.force_login(desk.agent)  # staff are not customers
    r = client.post(
        f"/promises/portal/cases/{case.pk}/callback",
        {"number": "+1 555 0100", "window_end": "2026-11-24T11:00"},
    )
    assert r.status_code != 302 and not Promise.objects.exists()


def test_report_is_for_leads_and_counts_kept_and_broken(client, desk, case, now, frozen):
    kept = promise(case, desk.agent, now, hours=1, kind="update")
    broken = promise(case, desk.agent, now, hours=1, kind="callback")
    from caredesk.tickets import actions
    from tests.promises.conftest import sweep

    actions.do_reply(case, agent=desk.agent, body="Update", now=now + timedelta(minutes=30))
    sweep(now + timedelta(hours=2))
    frozen.set(now + timedelta(hours=3))
    client.force_login(desk.agent)
    assert client.get("/promises/report/").status_code == 403
    client.force_login(desk.lead)
    html = client.get("/promises/report/").content.decode()
    assert "50%" in html and "kept on time (1 of 2)" in html
    assert case.reference in html and "Call back with the courier" in html and broken.pk
    # Garbage dates fall back to the default period instead of failing.
    assert client.get("/promises/report/?start=zzz&end=99999-99-99").status_code == 200
    kept.refresh_from_db()
    assert kept.state == State.KEPT


def test_my_promises_page(client, desk, case, now, frozen):
    promise(case, desk.agent, now)
    client.force_login(desk.agent)
    html = client.get("/promises/").content.decode()
    assert "Call back with the courier" in html
