from __future__ import annotations

from tests.workspace.conftest import assert_no_inline_script, later, open_case, signed_in


def test_search_lists_only_visible_cases(desk, client, now):
    billing = open_case(desk, now, subject="Refund for the broken kettle", team=desk.billing)
    delivery = open_case(desk, later(now), subject="Kettle never arrived", team=desk.delivery)
    signed_in(client, desk.agent)
    response = client.get("/search?q=kettle")
    assert response.status_code == 200
    html = response.content.decode()
    assert billing.reference in html and delivery.reference not in html
    assert "1 case found" in html
    assert_no_inline_script(html)
    signed_in(client, desk.manager)
    html = client.get("/search?q=kettle").content.decode()
    assert billing.reference in html and delivery.reference in html


def test_search_by_reference(desk, client, now):
    case = open_case(desk, now, team=desk.billing)
    signed_in(client, desk.agent)
    html = client.get(f"/search?q={case.reference}").content.decode()
    assert f'href="/cases/{case.pk}/"' in html


def test_empty_and_no_result_states(desk, client, now):
    open_case(desk, now)
    signed_in(client, desk.agent)
    assert "Type a few words" in client.get("/search").content.decode()
    assert "Type a few words" in client.get("/search?q=%20%20").content.decode()
    html = client.get("/search?q=zebra").content.decode()
    assert "No cases you can see match" in html and "zebra" in html


def test_hostile_queries_never_500(desk, client, now):
    open_case(desk, now)
    signed_in(client, desk.agent)
    for q in [
        '"',
        "*",
        "NEAR(",
        "a AND OR",
        "<script>alert(1)</script>",
        "x" * 5000,
        "%00",
        "CD-",
        "CD-99999999999999999",
    ]:
        response = client.get("/search", {"q": q, "page": "abc"})
        assert response.status_code == 200, q
        assert "<script>alert(1)" not in response.content.decode()


def test_search_pagination(desk, client, now):
    for i in range(25):
        open_case(desk, later(now, i), subject=f"Teapot number {i}")
    signed_in(client, desk.manager)
    first = client.get("/search?q=teapot").content.decode()
    assert "25 cases found" in first and "page 1 of 2" in first and "Next" in first
    second = client.get("/search?q=teapot&page=2").content.decode()
    assert second.count('class="case-link"') == 5


def test_topbar_search_is_on_every_staff_page(desk, client, case):
    signed_in(client, desk.agent)
    for url in ["/", f"/cases/{case.pk}/", "/account/", "/search"]:
        assert 'id="topbar-q"' in client.get(url).content.decode(), url


def test_search_results_have_a_header_for_every_column(desk, client, now):
    open_case(desk, now, subject="Refund for the broken kettle", team=desk.billing)
    signed_in(client, desk.manager)
    for url in ("/search?q=kettle", "/?tab=unassigned"):
        html = client.get(url).content.decode()
        head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
        body = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
        assert head.count("<th") == body.count("<td"), url


def test_search_page_shows_snippets_and_a_capped_count(desk, client, now, monkeypatch):
    from caredesk.tickets import search

    for i in range(4):
        open_case(desk, later(now, i), subject=f"Kettle {i}", body="The <b>kettle</b> leaks badly.")
    signed_in(client, desk.manager)
    html = client.get("/search?q=leaks").content.decode()
    assert "4 cases found" in html
    assert "<mark>leaks</mark>" in html and "<b>kettle</b>" not in html
    assert html.count('class="search-snippet"') == 4
    monkeypatch.setattr(search, "RESULT_CAP", 3)
    html = client.get("/search?q=leaks").content.decode()
    assert "3+ cases found" in html and "add words to narrow the search" in html
