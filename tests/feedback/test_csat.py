"""Satisfaction surveys (CSAT, issue 13): planned when a case closes, mailed after the
delay by the deadline, throttled per customer, never to machine senders; one-click
signed links that scanners cannot use; bad ratings with a comment go to review."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from caredesk.core import deadlines, signed_links
from caredesk.core.errors import Conflict, DomainError, NotFound
from caredesk.core.models import OutboundEmail
from caredesk.feedback import actions, csat_links
from caredesk.feedback.models import Feedback, ReviewOutcome, Survey, SurveyState
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets.models import Status, Ticket
from tests.resolutions.conftest import resolved_case

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
LINK_RE = re.compile(r"https?://\S+?(/feedback/rate/(good|neutral|bad)/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cs"}
    }
    cache.clear()
    yield
    cache.clear()


def closed_case(desk, now, **kw):
    """Resolved an hour after it opened, closed by the agent two hours after that."""
    ticket = resolved_case(desk, now, **kw)
    ticket_actions.do_change_status(
        ticket, actor=desk.agent, status=Status.CLOSED, now=now + 3 * HOUR
    )
    ticket.refresh_from_db()
    return ticket


def survey_mails(ticket):
    return OutboundEmail.objects.filter(ticket_id=ticket.pk, subject__contains="How did we do?")


def links_of(ticket) -> dict[str, str]:
    (mail,) = survey_mails(ticket)
    found = {m.group(2): m.group(1) for m in LINK_RE.finditer(mail.text)}
    assert set(found) == {"good", "neutral", "bad"}, mail.text
    return found


def sent_case(desk, now, **kw):
    ticket = closed_case(desk, now, **kw)
    deadlines.sweep(now + 3 * HOUR + 24 * HOUR)
    return ticket


def _post(path, data=None):
    client = Client(enforce_csrf_checks=True)
    client.get(path)
    token = client.cookies["csrftoken"].value
    return client.post(path, {"csrfmiddlewaretoken": token, **(data or {})})


def _state(ticket):
    rows = Survey.objects.filter(ticket=ticket)
    values = rows.values_list("rating", "comment", "rated_at", "state")
    return [*values, Feedback.objects.filter(ticket=ticket).count()]


def test_survey_mailed_once_after_the_delay(desk, now):
    ticket = closed_case(desk, now)
    row = Survey.objects.get(ticket=ticket)
    closed_at = now + 3 * HOUR
    assert row.send_at == closed_at + 24 * HOUR and row.state == SurveyState.WAITING
    assert row.agent == desk.agent and row.team_id == desk.billing.pk
    deadlines.sweep(closed_at + 23 * HOUR)  # not due yet
    assert not survey_mails(ticket).exists()
    deadlines.sweep(closed_at + 24 * HOUR)
    deadlines.sweep(closed_at + 25 * HOUR)  # again: nothing more
    assert actions.do_send_survey(row.pk, closed_at + 26 * HOUR) is False
    (mail,) = survey_mails(ticket)
    assert mail.to == "alice@acme.test"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    row.refresh_from_db()
    assert row.state == SurveyState.SENT and row.send_at is None
    assert row.sent_at == closed_at + 24 * HOUR
    assert len(links_of(ticket)) == 3
    # Closing the case again (reopened, closed) never plans a second survey.
    ticket_actions.do_change_status(ticket, actor=desk.agent, status=Status.OPEN, now=now + 2 * DAY)
    ticket_actions.do_change_status(
        ticket, actor=desk.agent, status=Status.CLOSED, now=now + 2 * DAY
    )
    assert Survey.objects.filter(ticket=ticket).count() == 1


def test_confirmed_resolution_plans_a_survey_too(desk, now):
    from caredesk.resolutions import actions as res_actions
    from caredesk.resolutions.models import Resolution

    ticket = resolved_case(desk, now)
    res = Resolution.objects.get(ticket=ticket)
    res_actions.do_answer(res.pk, solved=True, customer=desk.alice, now=now + 2 * HOUR)
    assert Survey.objects.get(ticket=ticket).send_at == now + 26 * HOUR


def test_reopened_before_the_delay_is_not_surveyed(desk, now):
    ticket = closed_case(desk, now)
    ticket_actions.do_change_status(
        ticket, actor=desk.agent, status=Status.OPEN, now=now + 5 * HOUR
    )
    deadlines.sweep(now + 2 * DAY)
    row = Survey.objects.get(ticket=ticket)
    assert row.state == SurveyState.SKIPPED and row.skip_reason == "reopened"
    assert not survey_mails(ticket).exists()


def test_at_most_one_survey_per_customer_per_window(desk, now, settings):
    settings.CAREDESK_CSAT_THROTTLE_DAYS = 30
    first = sent_case(desk, now)
    second = sent_case(desk, now + 10 * DAY)  # 10 days later: throttled
    third = sent_case(desk, now + 31 * DAY)  # past the window: sent
    other = sent_case(desk, now + 10 * DAY, customer=desk.bob)  # another customer: sent
    assert survey_mails(first).count() == 1
    assert not survey_mails(second).exists()
    assert Survey.objects.get(ticket=second).skip_reason == "throttled"
    assert survey_mails(third).count() == 1
    assert survey_mails(other).count() == 1


def test_machine_senders_are_never_surveyed(desk, now):
    ticket = closed_case(desk, now)
    Ticket.objects.filter(pk=ticket.pk).update(from_machine=True)  # as email intake marks it
    deadlines.sweep(now + 2 * DAY)
    assert not survey_mails(ticket).exists()
    row = Survey.objects.get(ticket=ticket)
    assert row.state == SurveyState.SKIPPED and row.skip_reason == "machine_sender"


def test_scanner_get_changes_nothing_post_rates_and_can_change(desk, now):
    ticket = sent_case(desk, now)
    links = links_of(ticket)
    before = _state(ticket)
    scanner = Client()
    for _ in range(3):
        page = scanner.get(links["good"])
        assert page.status_code == 200 and '<form method="post"' in page.text
        assert "Rate it good" in page.text
    assert _state(ticket) == before
    assert Client(enforce_csrf_checks=True).post(links["good"]).status_code == 403
    assert _state(ticket) == before
    done = _post(links["good"])
    assert done.status_code == 200 and "You rated case" in done.text
    row = Survey.objects.get(ticket=ticket)
    assert row.rating == "good" and row.comment == "" and row.first_rated_at is not None
    # Changed within the window: neutral, with a comment.
    assert _post(links["neutral"], {"comment": "Took a while."}).status_code == 200
    row.refresh_from_db()
    assert (row.rating, row.comment) == ("neutral", "Took a while.")
    assert ticket.events.filter(verb="csat_rated").count() == 2


def test_reused_link_after_the_change_window_changes_nothing(desk, now, settings):
    ticket = sent_case(desk, now)
    links = links_of(ticket)
    assert _post(links["good"]).status_code == 200
    before = _state(ticket)
    later = Survey.objects.get(ticket=ticket).first_rated_at + 8 * DAY
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("caredesk.core.clock.now", lambda: later)
        page = Client().get(links["bad"])
        assert page.status_code == 409 and "can no longer be changed" in page.text
        page = _post(links["bad"], {"comment": "x"})
        assert page.status_code == 409
    assert _state(ticket) == before
    with pytest.raises(Conflict):
        actions.do_rate(
            Survey.objects.get(ticket=ticket).pk, customer=desk.alice, rating="bad", now=later
        )


def test_forged_and_expired_links_show_a_clear_page(desk, now, settings):
    ticket = sent_case(desk, now)
    links = links_of(ticket)
    before = _state(ticket)
    token = links["good"].rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps({"s": 1, "t": 1, "c": 1, "p": "good"}, salt="wrong", compress=True)
    cases = [
        (f"/feedback/rate/good/{forged}/", 400, "This link is not valid"),
        (f"/feedback/rate/bad/{token}/", 400, "not valid for this answer"),
        (f"/feedback/rate/great/{token}/", 400, "This link is not valid"),
        (f"/feedback/rate/good/{'x' * 400}/", 400, "This link is not valid"),
        (f"/feedback/rate/good/{token[:-3]}abc/", 400, "This link is not valid"),
    ]
    for path, status, text in cases:
        page = Client().get(path)
        assert page.status_code == status and text in page.text, path
        assert _post_status(path) == status, path
    # A resolution link never works as a rating link (another salt).
    from caredesk.resolutions import links as res_links

    res_token = res_links.make_token(1, ticket.pk, desk.alice.pk, "yes")
    assert Client().get(f"/feedback/rate/good/{res_token}/").status_code == 400
    settings.CAREDESK_CSAT_LINK_DAYS = 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.core.signing.time.time", lambda: (now + 40 * DAY).timestamp())
        page = Client().get(links["good"])
        assert page.status_code == 410 and "expired" in page.text
    assert _state(ticket) == before


def _post_status(path):
    return Client().post(path, {"comment": "x"}).status_code


def test_customer_rates_only_their_own_case(desk, now):
    ticket = sent_case(desk, now)
    row = Survey.objects.get(ticket=ticket)
    with pytest.raises(NotFound):
        actions.do_rate(row.pk, customer=desk.bob, rating="bad", now=now + 2 * DAY)
    # A validly signed link whose ids do not match the survey's: a clear page, no change.
    mixed = csat_links.make_token(row.pk, ticket.pk, desk.bob.pk, "bad")
    assert Client().get(f"/feedback/rate/bad/{mixed}/").status_code == 400
    assert Survey.objects.get(pk=row.pk).rating == ""


def test_hostile_and_oversized_comments(desk, now):
    ticket = sent_case(desk, now)
    links = links_of(ticket)
    page = _post(links["bad"], {"comment": "x" * 2001})
    assert page.status_code == 400 and "under 2,000 characters" in page.text
    assert Survey.objects.get(ticket=ticket).rating == ""
    row = Survey.objects.get(ticket=ticket)
    with pytest.raises(DomainError):
        actions.do_rate(row.pk, customer=desk.alice, rating="terrible", now=now + 2 * DAY)
    with pytest.raises(DomainError):
        actions.do_rate(row.pk, customer=desk.alice, rating="bad", comment="y" * 2001, now=now)
    assert Survey.objects.get(ticket=ticket).rating == ""
    page = _post(links["neutral"], {"comment": "a\x00b"})  # NUL: refused, nothing written
    assert page.status_code == 400 and "Null characters" in page.text
    assert Survey.objects.get(ticket=ticket).rating == ""
    hostile = '<script>alert("x")</script>\x07'
    assert _post(links["neutral"], {"comment": hostile}).status_code == 200
    row.refresh_from_db()
    assert row.comment == '<script>alert("x")</script>'
    assert "<script>" not in Client().get(links["good"]).text  # never echoed unescaped


def test_bad_rating_with_comment_goes_to_review_and_counts_only_if_upheld(desk, now):
    ticket = sent_case(desk, now)
    links = links_of(ticket)
    assert _post(links["bad"]).status_code == 200  # bad, no comment: nothing to review
    assert not Feedback.objects.filter(ticket=ticket).exists()
    assert _post(links["bad"], {"comment": "Nobody listened."}).status_code == 200
    (complaint,) = Feedback.objects.filter(ticket=ticket)
    assert complaint.kind == "complaint" and complaint.source == "survey"
    assert complaint.agent == desk.agent and complaint.reviewer == desk.lead
    assert complaint.outcome == ReviewOutcome.PENDING and "Nobody listened." in complaint.body
    assert Survey.objects.get(ticket=ticket).complaint == complaint
    # Rated bad again with another comment: still one complaint in review.
    assert _post(links["bad"], {"comment": "Still bad."}).status_code == 200
    assert Feedback.objects.filter(ticket=ticket).count() == 1


def test_agent_record_shows_the_ratings(desk, now):
    ticket = sent_case(desk, now)
    assert _post(links_of(ticket)["good"]).status_code == 200
    other = sent_case(desk, now + 40 * DAY)
    assert _post(links_of(other)["bad"]).status_code == 200
    client = Client()
    client.force_login(desk.lead)
    page = client.get(f"/feedback/agents/{desk.agent.pk}/")
    assert page.status_code == 200
    assert "50% good" in page.text and "1 good, 0 neutral, 1 bad" in page.text
    client.force_login(desk.other_agent)  # another agent's record stays private
    assert client.get(f"/feedback/agents/{desk.agent.pk}/").status_code == 404


def test_signed_links_refuse_bad_shapes():
    token = signed_links.make("s", {"a": 1}, "go")
    assert signed_links.read(token, salt="s", purpose="go", purposes=["go"], keys=["a"], max_age=60)
    bad = signing.dumps({"a": True, "p": "go"}, salt="s", compress=True)
    with pytest.raises(signed_links.BadLink, match="invalid"):
        signed_links.read(bad, salt="s", purpose="go", purposes=["go"], keys=["a"], max_age=60)
    with pytest.raises(signed_links.BadLink, match="invalid"):
        signed_links.read("", salt="s", purpose="go", purposes=["go"], keys=["a"], max_age=60)
    with pytest.raises(ValueError):
        signed_links.make("s", {"p": 1}, "go")


def test_portal_rating_on_the_case_page_only_for_the_owner(desk, now):
    ticket = sent_case(desk, now)
    alice = Client()
    alice.force_login(desk.alice.user)
    page = alice.get(f"/portal/cases/{ticket.pk}/")
    assert page.status_code == 200 and "How did we do?" in page.text
    url = f"/feedback/portal/cases/{ticket.pk}/rating/"
    done = alice.post(url, {"rating": "bad", "comment": "Too slow."}, follow=True)
    assert "Thank you for rating this case." in done.text
    row = Survey.objects.get(ticket=ticket)
    assert (row.rating, row.comment) == ("bad", "Too slow.") and row.complaint is not None
    refused = alice.post(url, {"rating": "awful"}, follow=True)
    assert "Please choose good, neutral or bad." in refused.text
    assert Survey.objects.get(ticket=ticket).rating == "bad"
    bob = Client()
    bob.force_login(desk.bob.user)
    assert bob.post(url, {"rating": "good"}).status_code == 404
    assert alice.get(url).status_code == 405
    assert Survey.objects.get(ticket=ticket).rating == "bad"


def test_api_rating_parity(desk, now, monkeypatch):
    from tests.api.conftest import ApiClient, token_for

    ticket = sent_case(desk, now)
    later = now + 3 * DAY
    monkeypatch.setattr("caredesk.core.clock.now", lambda: later)
    alice = ApiClient(token_for(desk.alice.user, later))
    got = alice.get(f"/api/v1/cases/{ticket.pk}/survey")
    assert got.status_code == 200 and got.json()["state"] == "sent"
    url = f"/api/v1/cases/{ticket.pk}/survey/rating"
    assert alice.post(url, {"rating": "meh"}).status_code == 422
    assert alice.post(url, {"rating": "good", "comment": "x" * 2001}).status_code == 422
    ok = alice.post(url, {"rating": "good", "comment": "Thanks!"})
    assert ok.status_code == 200 and ok.json()["rating"] == "good"
    staff = ApiClient(token_for(desk.agent, later))
    assert staff.post(url, {"rating": "bad"}).status_code == 403
    assert staff.get(f"/api/v1/cases/{ticket.pk}/survey").json()["rating"] == "good"
    bob = ApiClient(token_for(desk.bob.user, later))
    assert bob.post(url, {"rating": "bad"}).status_code == 404
    monkeypatch.setattr("caredesk.core.clock.now", lambda: later + 9 * DAY)
    assert alice.post(url, {"rating": "bad"}).status_code == 409
    assert Survey.objects.get(ticket=ticket).rating == "good"
