"""Article actions: who may write and publish, versions on every edit, audit events,
hostile and oversized text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from caredesk.core.errors import DomainError, InvalidInput, PermissionDenied
from caredesk.core.models import Event
from caredesk.kb import actions, selectors
from caredesk.kb.models import ArticleStatus, ArticleVersion
from caredesk.kb.text import MAX_BODY, render
from caredesk.policies.models import Policy, PolicyVersion

from .conftest import write


def test_an_agent_writes_a_draft_and_a_lead_publishes_it(desk, now):
    article = write(desk.agent, now)
    assert article.status == ArticleStatus.DRAFT and article.slug == "returning-an-item"
    with pytest.raises(PermissionDenied):
        actions.do_publish_article(actor=desk.agent, article=article, now=now)
    actions.do_publish_article(actor=desk.lead, article=article, now=now)
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at == now
    kinds = list(Event.objects.filter(kind__startswith="kb.").values_list("kind", flat=True))
    assert kinds == ["kb.article_created", "kb.article_published"]


def test_customers_cannot_write(desk, now):
    with pytest.raises(PermissionDenied):
        write(desk.alice.user, now)


def test_every_edit_keeps_the_previous_version_with_who_and_when(desk, now):
    article = write(desk.agent, now, body="First text.")
    later = now + timedelta(hours=1)
    data = actions.ArticleData(title="Returning an item", body="Second text.")
    actions.do_write_article(actor=desk.lead, data=data, now=later, article=article)
    article.refresh_from_db()
    assert article.version == 2 and article.body == "Second text."
    old = ArticleVersion.objects.get(article=article)
    assert (old.number, old.body, old.written_by, old.written_at) == (
        1,
        "First text.",
        desk.agent,
        now,
    )
    assert (old.replaced_by, old.replaced_at) == (desk.lead, later)
    event = Event.objects.filter(kind="kb.article_updated").get()
    assert event.data["old"]["version"] == 1 and event.data["new"]["version"] == 2
    # Saving the same text again makes no version and no event.
    actions.do_write_article(actor=desk.lead, data=data, now=later, article=article)
    assert ArticleVersion.objects.count() == 1


def test_agents_change_drafts_only(desk, now):
    article = write(desk.agent, now)
    actions.do_publish_article(actor=desk.lead, article=article, now=now)
    with pytest.raises(PermissionDenied):
        actions.do_write_article(
            actor=desk.agent,
            data=actions.ArticleData("Changed", "New text"),
            now=now,
            article=article,
        )


def test_oversized_body_is_refused_with_the_size_and_nothing_is_saved(desk, now):
    with pytest.raises(InvalidInput) as caught:
        write(desk.agent, now, body="x" * (MAX_BODY + 1))
    assert "100,001 characters; the limit is 100,000" in caught.value.message
    assert not selectors.readable(desk.agent).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "t" * 500),
        ("body", "   "),
        ("language", "english!"),
        ("visibility", "secret"),
    ],
)
def test_malformed_fields_are_refused(desk, now, field, value):
    kw = {"title": "Ok", "body": "Ok"}
    kw[field] = value
    with pytest.raises(DomainError):
        actions.do_write_article(actor=desk.agent, data=actions.ArticleData(**kw), now=now)


def test_slugs_are_unique(desk, now):
    a = write(desk.agent, now, title="Same title")
    b = write(desk.agent, now, title="Same title")
    assert (a.slug, b.slug) == ("same-title", "same-title-2")


def test_hostile_text_is_escaped_and_script_links_dropped():
    html = str(
        render(
            "<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
            "[click](javascript:alert(3)) [data](data:text/html,hi) [ok](https://example.test/x)"
            ' <a href="javascript:alert(4)">raw</a>'
        )
    )
    assert "<script" not in html and "<img" not in html and '<a href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"<a [^>]*href=\"(javascript|data)", html)
    assert "&lt;a href=" in html  # the raw HTML link is shown as text
    assert '<a href="https://example.test/x" rel="noopener noreferrer nofollow">ok</a>' in html


def test_markdown_basics_render():
    html = str(render("# Title\n\n**bold** and a list:\n\n- one\n- two"))
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<li>one</li>" in html


def test_a_policy_is_published_as_an_article_showing_its_current_text(desk, now):
    policy = Policy.objects.create(slug="delivery-window", title="Delivery window")
    PolicyVersion.objects.create(policy=policy, number=1, customer_text="Deliveries 8-12.")
    with pytest.raises(PermissionDenied):
        actions.do_publish_policy(actor=desk.agent, policy=policy, now=now)
    article = actions.do_publish_policy(actor=desk.lead, policy=policy, now=now)
    assert article.is_public and article.policy == policy
    PolicyVersion.objects.create(policy=policy, number=2, customer_text="Deliveries 8-14.")
    article = selectors.article_by_slug(None, article.slug)
    assert "8-14" in str(selectors.shown_body(article))
    # Agents cannot edit a policy article (its text lives on the policy).
    with pytest.raises(PermissionDenied):
        actions.do_write_article(
            actor=desk.agent, data=actions.ArticleData("x", "y"), now=now, article=article
        )


def test_categories_are_managed_by_leads(desk, now):
    with pytest.raises(PermissionDenied):
        actions.do_save_category(actor=desk.agent, name="Returns", now=now)
    cat = actions.do_save_category(actor=desk.lead, name="Returns", now=now, position=2)
    with pytest.raises(DomainError):
        actions.do_save_category(actor=desk.lead, name="Returns", now=now)
    article = write(desk.agent, now, category=cat)
    actions.do_delete_category(actor=desk.lead, category=cat, now=now)
    article.refresh_from_db()
    assert article.category is None
