"""Search over published articles: the same behaviour on SQLite (FTS5) and PostgreSQL
(stored tsvector); run with DATABASE_URL=postgres://… for the second."""

from __future__ import annotations

import pytest

from caredesk.kb.actions import ArticleData, do_write_article
from caredesk.kb.search import fts5_query, search_articles

from .conftest import published


def titles(hits):
    return [h.article.title for h in hits]


def test_stemming_finds_other_forms_of_a_word(desk, now, articles):
    assert titles(search_articles(None, "returning parcels")) == ["How to return a parcel"]


def test_a_title_match_ranks_above_a_body_match(desk, now):
    published(desk, now, "Gift cards", "You can use a voucher code at checkout. " * 3)
    published(desk, now, "Voucher codes", "Enter it at checkout.")
    assert titles(search_articles(None, "voucher"))[0] == "Voucher codes"


def test_customers_and_visitors_only_find_published_public_articles(desk, now, articles):
    assert titles(search_articles(None, "parcel")) == ["How to return a parcel"]
    assert titles(search_articles(desk.alice.user, "parcel")) == ["How to return a parcel"]
    staff = titles(search_articles(desk.agent, "parcel"))
    assert sorted(staff) == ["How to return a parcel", "Parcel refund override"]


def test_an_edit_is_found_at_once(desk, now, articles):
    do_write_article(
        actor=desk.lead,
        data=ArticleData(title="How to return a parcel", body="Use the courier pickup."),
        now=now,
        article=articles.public,
    )
    assert titles(search_articles(None, "courier")) == ["How to return a parcel"]
    assert search_articles(None, "label") == []


def test_prefix_while_typing(desk, now, articles):
    assert titles(search_articles(None, "how to ret", prefix=True)) == ["How to return a parcel"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "' OR 1=1 --",
        "NEAR(a b)",
        "*",
        "parcel AND",
        "\x00\x1f",
        "a" * 5000,
        '"unclosed parcel',
        "()",
        "-parcel",
    ],
)
def test_hostile_queries_are_harmless(desk, now, articles, query):
    hits = search_articles(None, query)
    assert all(h.article.is_public for h in hits)


def test_user_words_reach_fts5_only_quoted():
    assert (
        fts5_query('parcel OR "lost box" NEAR', prefix=True)
        == '"parcel" AND "OR" AND "lost box" AND "NEAR"*'
    )
    assert fts5_query("", prefix=False) == ""


def test_suggestions_read_a_sentence_any_word_may_match(desk, now, articles):
    assert search_articles(None, "where is my parcel tracking") == []  # no article has every word
    hits = search_articles(None, "where is my parcel tracking", any_word=True)
    assert titles(hits) == ["How to return a parcel"]
    hits = search_articles(None, "where is my parc", any_word=True, prefix=True)
    assert titles(hits) == ["How to return a parcel"]
    # Common words alone suggest nothing.
    assert search_articles(None, "how to do it", any_word=True) == []
    assert fts5_query("where is my parcel", prefix=False, any_word=True) == '"parcel"'
