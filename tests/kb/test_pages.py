"""The help centre, suggestions on the new-case form (deflection), the staff pages, the
reply box picker and the deflection figure on the care dashboard."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from caredesk.kb.models import Article, ArticleStatus, ArticleVersion, Deflection
from caredesk.tickets.models import Ticket
from tests.case_page import case_page_html

from .conftest import published, write

# --- the help centre -----------------------------------------------------------------


def test_visitors_read_public_articles_without_signing_in(desk, now, articles):
    client = Client()
    home = client.get("/help/")
    assert home.status_code == 200
    text = home.content.decode()
    assert "How to return a parcel" in text and "Returns" in text
    for hidden in ("Parcel refund override", "Parcel draft tips", "Old parcel rules"):
        assert hidden not in text
    page = client.get(f"/help/articles/{articles.public.slug}/")
    assert page.status_code == 200 and "<strong>label</strong>" in page.content.decode()
    assert client.get(f"/help/c/{articles.cat.slug}/").status_code == 200


@pytest.mark.parametrize("which", ["internal", "draft", "archived"])
def test_customers_never_open_internal_draft_or_archived_articles(
    desk, articles, customer_client, which
):
    slug = getattr(articles, which).slug
    assert customer_client.get(f"/help/articles/{slug}/").status_code == 404
    assert Client().get(f"/help/articles/{slug}/").status_code == 404
    found = customer_client.get("/help/search/", {"q": "parcel"}).content.decode()
    assert getattr(articles, which).title not in found


def test_the_help_centre_search_page(desk, articles, customer_client):
    page = customer_client.get("/help/search/", {"q": "returning"})
    assert page.status_code == 200 and "How to return a parcel" in page.content.decode()
    empty = customer_client.get("/help/search/", {"q": "zebra"}).content.decode()
    assert "No article matches “zebra”" in empty


def test_an_empty_help_centre_says_so(db, desk):
    text = Client().get("/help/").content.decode()
    assert "There are no help articles yet" in text


def test_hostile_article_text_is_shown_as_text_on_the_page(desk, now):
    article = published(
        desk,
        now,
        "<script>alert(1)</script> title",
        "<script>alert(2)</script> [x](javascript:alert(3))",
    )
    text = Client().get(f"/help/articles/{article.slug}/").content.decode()
    assert "<script>alert" not in text and "&lt;script&gt;alert(2)" in text
    assert "javascript:alert(3)" not in re.sub(r"\[x\]\(javascript:alert\(3\)\)", "", text)


def test_the_help_centre_is_rate_limited_per_client(desk, articles, settings, monkeypatch):
    from caredesk.channels.portal import views_help

    monkeypatch.setattr(views_help, "RATE_SEARCH", "3/m")
    client = Client()
    codes = [client.get("/help/search/", {"q": "parcel"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_portal_nav_links_the_help_centre(desk, customer_client):
    assert 'href="/help/"' in customer_client.get("/portal/cases/").content.decode()
    assert 'href="/help/"' in Client().get("/portal/").content.decode()


# --- suggestions and deflection --------------------------------------------------------


def _token(page) -> str:
    return re.search(r'name="deflection" value="([^"]+)"', page.content.decode()).group(1)


def test_suggestions_while_typing_show_public_articles_only_and_are_recorded(
    desk, articles, customer_client
):
    form = customer_client.get("/portal/cases/new/")
    text = form.content.decode()
    assert 'hx-trigger="keyup changed delay:400ms' in text
    token = _token(form)
    frag = customer_client.get(
        "/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token}
    )
    shown = frag.content.decode()
    assert "How to return a parcel" in shown
    for hidden in ("Parcel refund override", "Parcel draft tips", "Old parcel rules"):
        assert hidden not in shown
    record = Deflection.objects.get(token=token)
    assert record.customer == desk.alice and record.shown == [articles.public.pk]
    assert record.ticket is None


def test_opening_a_suggestion_and_then_no_case_counts_as_deflected(
    desk, now, articles, customer_client
):
    token = _token(customer_client.get("/portal/cases/new/"))
    customer_client.get("/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token})
    page = customer_client.get(f"/help/articles/{articles.public.slug}/", {"d": token})
    assert page.status_code == 200
    record = Deflection.objects.get(token=token)
    assert record.opened_id == articles.public.pk and record.ticket is None


def test_a_case_opened_after_suggestions_is_recorded(desk, articles, customer_client):
    token = _token(customer_client.get("/portal/cases/new/"))
    customer_client.get("/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token})
    done = customer_client.post(
        "/portal/cases/new/",
        {"subject": "parcel lost", "body": "Still not here.", "deflection": token},
    )
    assert done.status_code == 302
    record = Deflection.objects.get(token=token)
    assert record.ticket == Ticket.objects.get(subject="parcel lost")


def test_without_scripts_the_form_shows_suggestions_and_keeps_the_text(
    desk, articles, customer_client
):
    page = customer_client.post(
        "/portal/cases/new/", {"subject": "parcel return", "body": "My words", "suggest": "1"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "How to return a parcel" in text and "My words" in text
    assert not Ticket.objects.exists()
    assert Deflection.objects.get().shown == [articles.public.pk]


@pytest.mark.parametrize(
    "token", ["", "short", "<script>", "x" * 500, "../../etc", "a b c d e f g h i j k l m n o p"]
)
def test_hostile_tokens_record_nothing(desk, articles, customer_client, token):
    frag = customer_client.get(
        "/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token}
    )
    assert frag.status_code == 200 and "<script>" not in frag.content.decode()
    assert not Deflection.objects.exists()


def test_another_customers_token_is_not_theirs(desk, articles, customer_client):
    token = _token(customer_client.get("/portal/cases/new/"))
    customer_client.get("/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token})
    bob = Client()
    bob.force_login(desk.bob.user)
    bob.post("/portal/cases/new/", {"subject": "x parcel", "body": "y", "deflection": token})
    assert Deflection.objects.get(token=token).ticket is None


def test_huge_and_hostile_subjects_are_harmless(desk, articles, customer_client):
    for subject in ["<script>alert(1)</script>", "p" * 100_000, '"', "\x00"]:
        frag = customer_client.get(
            "/portal/cases/new/suggest/", {"subject": subject, "deflection": ""}
        )
        assert frag.status_code == 200 and "<script>alert" not in frag.content.decode()


def test_suggestions_need_a_signed_in_customer(desk, articles):
    assert Client().get("/portal/cases/new/suggest/", {"subject": "parcel"}).status_code == 302


def test_the_dashboard_shows_the_deflection_rate(desk, now, articles, customer_client, lead_client):
    for opens_case in (False, False, True):
        token = _token(customer_client.get("/portal/cases/new/"))
        customer_client.get(
            "/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token}
        )
        if opens_case:
            customer_client.post(
                "/portal/cases/new/", {"subject": "parcel", "body": "help", "deflection": token}
            )
    text = lead_client.get("/reports/").content.decode()
    assert "2 of 3 customers who saw help-article suggestions did not open a case" in text
    assert "67%" in text


# --- staff pages ------------------------------------------------------------------------


def test_an_agent_writes_a_draft_from_the_page(desk, agent_client):
    done = agent_client.post(
        "/kb/new",
        {"title": "Lockers", "body": "Use **locker** 4.", "visibility": "public", "language": "en"},
    )
    assert done.status_code == 302
    article = Article.objects.get()
    assert article.status == ArticleStatus.DRAFT and article.created_by == desk.agent
    page = agent_client.get(f"/kb/{article.pk}/").content.decode()
    assert "<strong>locker</strong>" in page and "/publish" not in page


def test_an_oversized_body_on_the_page_is_refused_and_kept(desk, agent_client):
    body = "y" * 100_001
    page = agent_client.post(
        "/kb/new", {"title": "Big", "body": body, "visibility": "public", "language": "en"}
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "the limit is 100,000" in text and body in text
    assert not Article.objects.exists()


def test_a_lead_edits_publishes_and_sees_the_history(desk, now, lead_client):
    article = write(desk.agent, now, body="Old words")
    lead_client.post(
        f"/kb/{article.pk}/edit",
        {
            "title": article.title,
            "body": "New words",
            "visibility": "public",
            "language": "en",
            "slug": article.slug,
        },
    )
    assert lead_client.post(f"/kb/{article.pk}/publish").status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.version == 2
    history = lead_client.get(f"/kb/{article.pk}/history").content.decode()
    assert "Version 1" in history and "Old words" in history and "Ada Agent" in history
    assert ArticleVersion.objects.count() == 1


def test_customers_cannot_open_staff_pages(desk, articles, customer_client):
    for url in ("/kb/", f"/kb/{articles.internal.pk}/", "/kb/categories/"):
        assert customer_client.get(url).status_code in (302, 403)
    customer_client.post(
        "/kb/new", {"title": "x", "body": "y", "visibility": "public", "language": "en"}
    )
    assert not Article.objects.filter(title="x").exists()


def test_the_list_has_an_empty_state(desk, agent_client):
    assert "No articles yet" in agent_client.get("/kb/").content.decode()


def test_categories_page(desk, lead_client):
    assert (
        lead_client.post("/kb/categories/", {"name": "Orders", "position": "1"}).status_code == 302
    )
    page = lead_client.post("/kb/categories/", {"name": "", "position": "1"})
    assert page.status_code == 400


# --- the reply box ----------------------------------------------------------------------


@pytest.fixture
def case(desk, now):
    from caredesk.tickets import actions
    from caredesk.tickets.models import Channel

    return actions.do_open_ticket(
        customer=desk.alice,
        subject="Return",
        body="How?",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )


def test_the_case_page_has_the_article_picker(desk, agent_client, case):
    text = case_page_html(agent_client, case.pk)
    assert 'id="kb-picker"' in text and f"/kb/cases/{case.pk}/picker" in text


def test_the_picker_finds_published_articles_with_their_link(
    desk, articles, agent_client, case, settings
):
    settings.SITE_URL = "https://help.example.test"
    frag = agent_client.get(f"/kb/cases/{case.pk}/picker", {"q": "retur"}).content.decode()
    # The site's address, not the request's host: the link is for a customer.
    url = f"https://help.example.test/help/articles/{articles.public.slug}/"
    assert f"How to return a parcel: {url}" in frag
    assert "Parcel draft tips" not in frag and "Old parcel rules" not in frag
    internal = agent_client.get(f"/kb/cases/{case.pk}/picker", {"q": "override"}).content.decode()
    assert "customers cannot open it" in internal


def test_the_picker_is_not_for_a_case_the_agent_cannot_see(desk, articles, case):
    other = Client()
    other.force_login(desk.other_agent)
    assert other.get(f"/kb/cases/{case.pk}/picker", {"q": "parcel"}).status_code == 404


def test_the_help_centre_and_suggestions_cost_the_same_for_few_or_many_articles(
    desk, now, customer_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caredesk.kb.actions import do_save_category

    cat = do_save_category(actor=desk.lead, name="Parcels", now=now)

    def cost(token: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as home:
            assert customer_client.get("/help/").status_code == 200
        with CaptureQueriesContext(connection) as suggest:
            customer_client.get(
                "/portal/cases/new/suggest/", {"subject": "parcel", "deflection": token}
            )
        return len(home), len(suggest)

    for i in range(3):
        published(desk, now, f"Parcel answer {i}", "About a parcel.", category=cat)
    few = cost("a" * 32)
    for i in range(3, 15):
        published(desk, now, f"Parcel answer {i}", "About a parcel.", category=cat)
    assert cost("b" * 32) == few


def test_the_staff_list_is_paged(desk, now, agent_client):
    for i in range(51):
        write(desk.agent, now, title=f"Answer {i:02d}", body="Text.")
    first = agent_client.get("/kb/").content.decode()
    assert "Page 1 of 2" in first and first.count('<tr id="article-') == 50
    second = agent_client.get("/kb/", {"page": "2"}).content.decode()
    assert second.count('<tr id="article-') == 1
    assert agent_client.get("/kb/", {"page": "<script>", "status": "bogus"}).status_code == 200
