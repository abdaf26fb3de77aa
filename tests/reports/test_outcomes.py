"""The definitions (docs/reports.md) as pure functions, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from caredesk.reports.outcomes import (
    CaseFacts,
    Fcr,
    fcr,
    is_follow_up,
    is_repeat_contact,
    was_reopened,
)
from caredesk.reports.similarity import cosine, similar, terms

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
D = timedelta(days=1)
H = timedelta(hours=1)
INVOICE = terms("Invoice is wrong", "I was charged twice for my November invoice.")
INVOICE_AGAIN = terms("Charged twice again", "My invoice shows a double charge again.")
PARCEL = terms("Parcel never arrived", "The courier says delivered but nothing came.")


def case(
    pk, created, *, customer=1, resolved=(), reopens=(), replies=None, topic=INVOICE, link=None
):
    return CaseFacts(
        id=pk,
        customer_id=customer,
        created_at=created,
        resolutions=tuple(resolved),
        reopens=tuple(reopens),
        agent_replies=tuple(replies if replies is not None else [created + H / 2]),
        terms=topic,
        follow_up_of=link,
    )


def first_case():
    return case(1, T0, resolved=[T0 + H], topic=INVOICE)


def test_similar_topics_and_different_ones():
    assert similar(INVOICE, INVOICE_AGAIN)
    assert not similar(INVOICE, PARCEL)
    assert cosine(INVOICE, INVOICE) > 0.99
    assert cosine(terms("", ""), INVOICE) == 0.0


def test_terms_ignore_common_words_and_endings():
    assert "the" not in terms("The parcel", "and the parcels")
    assert terms("Parcels", "")["parcel"] == 2  # subject terms weigh twice
    huge = terms("x" * 10_000, "word " * 100_000)
    assert sum(huge.values()) <= 4000


def test_repeat_contact_same_day_after_a_resolution():
    new = case(2, T0 + 5 * H, topic=PARCEL)
    assert is_repeat_contact(new, [first_case(), new])


def test_repeat_contact_six_days_after_a_resolution_any_topic():
    new = case(2, T0 + H + 6 * D, topic=PARCEL)
    assert is_repeat_contact(new, [first_case(), new])


def test_eight_days_later_a_different_topic_is_not_a_repeat():
    new = case(2, T0 + H + 8 * D, topic=PARCEL)
    assert not is_repeat_contact(new, [first_case(), new])


def test_eight_days_later_a_similar_topic_is_a_repeat_until_thirty_days():
    assert is_repeat_contact(case(2, T0 + 8 * D, topic=INVOICE_AGAIN), [first_case()])
    assert not is_repeat_contact(case(2, T0 + 31 * D, topic=INVOICE_AGAIN), [first_case()])


def test_another_customer_or_an_earlier_case_never_makes_a_repeat():
    assert not is_repeat_contact(case(2, T0 + 2 * H, customer=2), [first_case()])
    # The first case is not a repeat of the one that came after it.
    later = case(2, T0 + 2 * H, topic=INVOICE_AGAIN)
    assert not is_repeat_contact(first_case(), [first_case(), later])


def test_fcr_is_pending_until_seven_days_then_yes():
    c = first_case()
    assert fcr(c, [c], T0 + 2 * D) == Fcr.PENDING
    assert fcr(c, [c], T0 + H + 7 * D) == Fcr.YES


def test_fcr_no_when_reopened_followed_up_or_not_one_reply():
    reopened = case(1, T0, resolved=[T0 + H], reopens=[T0 + 2 * D])
    assert was_reopened(reopened) and fcr(reopened, [reopened], T0 + 2 * D) == Fcr.NO
    follow = case(2, T0 + 3 * D, topic=PARCEL)
    assert fcr(first_case(), [first_case(), follow], T0 + 3 * D) == Fcr.NO
    two_replies = case(1, T0, resolved=[T0 + H], replies=[T0, T0 + H / 2])
    assert fcr(two_replies, [two_replies], T0 + 30 * D) == Fcr.NO
    no_reply = case(1, T0, resolved=[T0 + H], replies=[])
    assert fcr(no_reply, [no_reply], T0 + 30 * D) == Fcr.NO
    assert fcr(case(1, T0), [], T0) is None  # not resolved


def test_a_reopen_or_follow_up_after_seven_days_keeps_fcr():
    late_reopen = case(1, T0, resolved=[T0 + H], reopens=[T0 + 9 * D])
    assert not was_reopened(late_reopen)
    assert fcr(late_reopen, [late_reopen], T0 + 10 * D) == Fcr.YES
    later = case(2, T0 + 9 * D, topic=PARCEL)
    assert fcr(first_case(), [first_case(), later], T0 + 10 * D) == Fcr.YES


def test_an_explicit_follow_up_link_counts_whenever_it_was_opened():
    # Where confirmed resolutions plug in: Ticket.follow_up_of fills CaseFacts.follow_up_of.
    linked = case(2, T0 + 20 * D, topic=PARCEL, link=1)
    assert is_follow_up(linked, first_case())
    assert fcr(first_case(), [first_case(), linked], T0 + 30 * D) == Fcr.NO
    assert not is_follow_up(first_case(), first_case())
