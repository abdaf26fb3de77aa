"""The P4 lock itself, and eligibility."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.feedback.models import Feedback, FeedbackKind, FeedbackSource, Survey, SurveyState
from caredesk.offers import eligibility, lock
from caredesk.offers.lock import offers_unlocked
from caredesk.offers.models import Offer, OfferKind, Segment
from caredesk.tickets import actions
from caredesk.tickets.models import Tag
from tests.offers.conftest import (
    angry_resolved_case,
    happy_resolved_case,
    open_case,
    resolve,
)

LATER = timedelta(hours=1)


def test_no_cases_is_unlocked(desk, now):
    assert offers_unlocked(desk.alice, now)[0] is True


def test_locked_while_a_case_is_unresolved(desk, now):
    ticket = open_case(desk, now)
    unlocked, reason = offers_unlocked(desk.alice, now + LATER)
    assert not unlocked and ticket.reference in reason and "not resolved" in reason


def test_an_older_open_case_locks_even_when_the_latest_is_solved(desk, now):
    open_case(desk, now)
    happy_resolved_case(desk, now + timedelta(minutes=30))
    assert lock.lock_state(desk.alice, now + LATER)[1] == lock.OPEN_CASE


def test_locked_after_resolution_with_a_negative_mood(desk, now):
    ticket = angry_resolved_case(desk, now)
    unlocked, code, reason = lock.lock_state(desk.alice, now + LATER)
    assert (unlocked, code) == (False, lock.NEGATIVE_MOOD)
    assert ticket.reference in reason and "negative" in reason


def test_unlocked_after_resolution_with_a_neutral_mood(desk, now):
    ticket = open_case(desk, now)  # a neutral question
    resolve(desk, ticket, now + timedelta(minutes=5))
    assert offers_unlocked(desk.alice, now + LATER)[0] is True


def test_unlocked_after_resolution_with_a_positive_mood(desk, now):
    happy_resolved_case(desk, now)
    unlocked, reason = offers_unlocked(desk.alice, now + LATER)
    assert unlocked and "positive" in reason


def test_a_message_not_scored_yet_locks(desk, now):
    ticket = open_case(desk, now)
    resolve(desk, ticket, now + timedelta(minutes=5))
    ticket.messages.get().sentiment.delete()
    assert lock.lock_state(desk.alice, now + LATER)[1] == lock.MOOD_UNKNOWN


def test_a_customer_complaint_about_the_latest_case_locks(desk, now):
    ticket = happy_resolved_case(desk, now)
    Feedback.objects.create(
        ticket=ticket,
        agent=desk.agent,
        kind=FeedbackKind.COMPLAINT,
        source=FeedbackSource.SURVEY,
        body="Rude.",
        author_customer=desk.alice,
    )
    assert lock.lock_state(desk.alice, now + LATER)[1] == lock.COMPLAINED


def _rated(ticket, rating, at):
    return Survey.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        agent_id=ticket.assignee_id,
        created_at=at,
        state=SurveyState.SENT,
        sent_at=at,
        rating=rating,
        first_rated_at=at,
        rated_at=at,
    )


def test_a_bad_latest_rating_keeps_offers_locked(desk, now):
    first = happy_resolved_case(desk, now)
    assert offers_unlocked(desk.alice, now + LATER)[0] is True
    survey = _rated(first, "bad", now + LATER)
    unlocked, code, reason = lock.lock_state(desk.alice, now + LATER)
    assert (unlocked, code) == (False, lock.BAD_RATING) and first.reference in reason
    survey.rating = "neutral"  # changed: a non-negative rating unlocks
    survey.save()
    assert offers_unlocked(desk.alice, now + LATER)[0] is True
    # The latest rated case decides: a later case rated bad locks again, even when the
    # newest case is unrated, and an older good rating does not help.
    second = happy_resolved_case(desk, now + LATER)
    _rated(second, "bad", now + 2 * LATER)
    happy_resolved_case(desk, now + 2 * LATER)
    assert lock.lock_state(desk.alice, now + 3 * LATER)[1] == lock.BAD_RATING


def test_another_customers_state_does_not_matter(desk, now):
    open_case(desk, now, customer=desk.bob)
    happy_resolved_case(desk, now)
    assert offers_unlocked(desk.alice, now + LATER)[0] is True
    assert offers_unlocked(desk.bob, now + LATER)[0] is False


def test_the_lock_wants_an_aware_time(desk):
    from datetime import datetime

    with pytest.raises(ValueError):
        offers_unlocked(desk.alice, datetime(2026, 1, 1))


# --- eligibility ------------------------------------------------------------------------


def _offer(**kw):
    defaults = dict(name="Upgrade", kind=OfferKind.UPSELL, text="Go premium.")
    defaults.update(kw)
    return Offer.objects.create(**defaults)


def test_eligibility_by_tier_org_segment_tag_and_window(desk, now):
    vip = _offer(name="VIP", tiers=["vip"])
    org = _offer(name="Small shops")
    org.organizations.set([desk.small])
    seg = Segment.objects.create(name="Gym members")
    seg.customers.add(desk.bob)
    by_segment = _offer(name="Gym")
    by_segment.segments.set([seg])
    tag = Tag.objects.create(name="subscription")
    by_tag = _offer(name="Tagged")
    by_tag.tags.set([tag])
    over = _offer(name="Over", ends_at=now - timedelta(days=1))
    later = _offer(name="Later", starts_at=now + timedelta(days=1))
    off = _offer(name="Off", is_active=False)
    anyone = _offer(name="Anyone")

    names = lambda c: {o.name for o in eligibility.eligible_offers(c, now)}  # noqa: E731
    assert names(desk.alice) == {"VIP", "Anyone"}
    assert names(desk.bob) == {"Small shops", "Gym", "Anyone"}
    ticket = open_case(desk, now, customer=desk.alice)
    actions.do_set_tags(ticket, actor=desk.agent, names=["subscription"], now=now)
    assert "Tagged" in names(desk.alice)
    assert eligibility.check(over, desk.alice, now) == "Over is not running now."
    assert eligibility.check(later, desk.alice, now)
    assert eligibility.check(off, desk.alice, now)
    assert eligibility.check(vip, desk.bob, now) == "VIP is for the vip tier(s) only."
    assert eligibility.check(anyone, desk.bob, now) is None
    assert by_tag and by_segment


def no_gym_for_alice(offer, customer, now):
    return "Alice has no gym membership." if customer.name.startswith("Alice") else None


def test_more_rules_plug_in_through_settings(desk, now, settings):
    anyone = _offer(name="Anyone")
    settings.CAREDESK_OFFER_ELIGIBILITY_RULES = ["tests.offers.test_lock.no_gym_for_alice"]
    assert eligibility.check(anyone, desk.alice, now) == "Alice has no gym membership."
    assert eligibility.check(anyone, desk.bob, now) is None
