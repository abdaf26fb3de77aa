"""The knowledge base through the API: staff CRUD with the same rules, search, and the
public read of the help centre (with or without a token)."""

from __future__ import annotations

import pytest

from caredesk.kb.models import Article, ArticleStatus, ArticleVersion, Category
from tests.api.conftest import ApiClient, token_for


@pytest.fixture
def agent_api(desk, now):
    return ApiClient(token_for(desk.agent, now))


@pytest.fixture
def lead_api(desk, now):
    return ApiClient(token_for(desk.lead, now))


@pytest.fixture
def customer_api(desk, now):
    return ApiClient(token_for(desk.alice.user, now))


def test_create_edit_publish_and_versions(desk, agent_api, lead_api):
    made = agent_api.post(
        "/api/v1/kb/articles", {"title": "Lockers", "body": "Use locker **4**.", "language": "en"}
    )
    assert made.status_code == 201, made.content
    art = made.json()
    assert art["status"] == "draft" and "<strong>4</strong>" in art["body_html"]
    assert agent_api.post(f"/api/v1/kb/articles/{art['id']}/publish").status_code == 403
    changed = lead_api.patch(f"/api/v1/kb/articles/{art['id']}", {"body": "Use locker 5."})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    published = lead_api.post(f"/api/v1/kb/articles/{art['id']}/publish")
    assert published.json()["status"] == "published"
    versions = lead_api.get(f"/api/v1/kb/articles/{art['id']}/versions").json()["items"]
    assert [v["body"] for v in versions] == ["Use locker **4**."]
    assert versions[0]["written_by"] == "Ada Agent"
    archived = lead_api.post(f"/api/v1/kb/articles/{art['id']}/archive").json()
    assert archived["status"] == "archived"


def test_oversized_hostile_and_malformed_bodies_are_refused_clearly(desk, agent_api):
    big = agent_api.post("/api/v1/kb/articles", {"title": "Big", "body": "x" * 100_001})
    assert big.status_code == 422 and big.json()["error"]["code"] == "too_long"
    assert "the limit is 100,000" in big.json()["error"]["message"]
    bad = agent_api.post(
        "/api/v1/kb/articles", {"title": "X", "body": "y", "visibility": "everyone"}
    )
    assert bad.status_code == 422
    assert agent_api.post("/api/v1/kb/articles", raw="{not json").status_code == 400
    assert (
        agent_api.post("/api/v1/kb/articles", {"title": "x", "body": "y", "extra": 1}).status_code
        == 422
    )
    assert not Article.objects.exists()
    hostile = agent_api.post(
        "/api/v1/kb/articles",
        {"title": "<b>t</b>", "body": "<script>x</script>[a](javascript:alert(1))"},
    ).json()
    assert "<script>" not in hostile["body_html"] and 'href="javascript' not in hostile["body_html"]


def test_customer_tokens_cannot_write_and_read_only_public(desk, now, articles, customer_api):
    assert customer_api.get("/api/v1/kb/articles").status_code == 403
    assert customer_api.post("/api/v1/kb/articles", {"title": "x", "body": "y"}).status_code == 403
    listed = customer_api.get("/api/v1/help/articles").json()["items"]
    assert [a["title"] for a in listed] == ["How to return a parcel"]
    found = customer_api.get("/api/v1/kb/search", {"q": "parcel"}).json()["items"]
    assert [h["title"] for h in found] == ["How to return a parcel"]
    for hidden in (articles.internal, articles.draft, articles.archived):
        assert customer_api.get(f"/api/v1/help/articles/{hidden.slug}").status_code == 404


def test_the_help_centre_reads_without_a_token(desk, articles):
    anonymous = ApiClient(None)
    page = anonymous.get(f"/api/v1/help/articles/{articles.public.slug}")
    assert page.status_code == 200 and page.json()["title"] == "How to return a parcel"
    found = anonymous.get("/api/v1/help/search", {"q": "returning"}).json()["items"]
    assert [h["title"] for h in found] == ["How to return a parcel"]
    assert anonymous.get(f"/api/v1/help/articles/{articles.internal.slug}").status_code == 404
    cats = anonymous.get("/api/v1/help/categories").json()["items"]
    assert [(c["name"], c["articles"]) for c in cats] == [("Returns", 1)]
    # Writing still needs a staff token.
    assert anonymous.post("/api/v1/kb/articles", {"title": "x", "body": "y"}).status_code == 401
    # A bad token is refused, not treated as anonymous.
    assert ApiClient("cd_bad_token").get("/api/v1/help/articles").status_code == 401


def test_staff_search_finds_internal_articles(desk, articles, agent_api):
    found = agent_api.get("/api/v1/kb/search", {"q": "parcel"}).json()["items"]
    assert sorted(h["title"] for h in found) == ["How to return a parcel", "Parcel refund override"]


def test_categories_crud(desk, lead_api, agent_api):
    assert agent_api.post("/api/v1/kb/categories", {"name": "Orders"}).status_code == 403
    made = lead_api.post("/api/v1/kb/categories", {"name": "Orders", "position": 2})
    assert made.status_code == 201
    cid = made.json()["id"]
    assert (
        lead_api.patch(f"/api/v1/kb/categories/{cid}", {"name": "Your orders"}).json()["name"]
        == "Your orders"
    )
    assert lead_api.post("/api/v1/kb/categories", {"name": "Your orders"}).status_code == 409
    assert lead_api.delete(f"/api/v1/kb/categories/{cid}").status_code == 204
    assert not Category.objects.exists()


def test_publish_a_policy_as_an_article(desk, lead_api):
    from caredesk.policies.models import Policy, PolicyVersion

    policy = Policy.objects.create(slug="hygiene", title="Hygiene items")
    PolicyVersion.objects.create(
        policy=policy, number=1, customer_text="Not returnable once opened."
    )
    out = lead_api.post(f"/api/v1/kb/policies/{policy.pk}/article").json()
    assert out["policy_id"] == policy.pk and out["status"] == ArticleStatus.PUBLISHED
    assert "Not returnable" in out["body_html"]
    assert lead_api.post("/api/v1/kb/policies/999999/article").status_code == 404


def test_versions_are_kept_through_the_api_too(desk, now, lead_api):
    art = lead_api.post("/api/v1/kb/articles", {"title": "A", "body": "one"}).json()
    for body in ("two", "three"):
        lead_api.patch(f"/api/v1/kb/articles/{art['id']}", {"body": body})
    assert list(ArticleVersion.objects.order_by("number").values_list("body", flat=True)) == [
        "one",
        "two",
    ]
