from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.customers.models import Organization, Tier
from caredesk.tickets import actions
from caredesk.tickets.models import Priority, Status
from tests.conftest import make_customer
from tests.workspace.conftest import assert_no_inline_script, later, open_case, signed_in


def refs(response) -> set[str]:
    html = response.content.decode()
    table = html.split('id="inbox"', 1)[1] if 'id="inbox"' in html else ""
    return set(re.findall(r'class="case-link">(CD-\d+)<', table))


@pytest.fixture
def cases(desk, now):
    """mine: assigned to Ada; team: Billing, unassigned; other: Delivery; done: resolved."""
    mine = open_case(desk, now, subject="Mine", team=desk.billing)
    actions.do_assign(mine, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=now)
    team = open_case(desk, later(now, 2), subject="Team unassigned", team=desk.billing)
    other = open_case(desk, later(now, 3), subject="Delivery case", team=desk.delivery)
    loose = open_case(desk, later(now, 4), subject="No team", customer=desk.bob)
    done = open_case(desk, later(now, 5), subject="Done", team=desk.billing)
    actions.do_change_status(done, actor=desk.agent, status=Status.RESOLVED, now=later(now, 6))
    return {"mine": mine, "team": team, "other": other, "loose": loose, "done": done}


def test_tabs_show_the_right_cases(desk, client, cases):
    signed_in(client, desk.agent)
    r = {k: c.reference for k, c in cases.items()}
    assert refs(client.get("/")) == {r["mine"]}
    assert refs(client.get("/?tab=teams")) == {r["mine"], r["team"]}
    # Ada cannot see the Delivery team's case at all.
    assert refs(client.get("/?tab=unassigned")) == {r["team"], r["loose"]}
    assert refs(client.get("/?tab=open")) == {r["mine"], r["team"], r["loose"]}
    assert refs(client.get("/?tab=resolved")) == {r["done"]}


def test_manager_sees_every_open_case(desk, client, cases):
    signed_in(client, desk.manager)
    r = {k: c.reference for k, c in cases.items()}
    assert refs(client.get("/?tab=open")) == {r["mine"], r["team"], r["other"], r["loose"]}
    assert refs(client.get("/")) == set()


def test_rows_show_the_case_facts(desk, client, cases):
    actions.do_set_tags(
        cases["mine"], actor=desk.agent, names=["refund"], now=later(cases["mine"].updated_at)
    )
    signed_in(client, desk.agent)
    html = client.get("/").content.decode()
    assert f'href="/cases/{cases["mine"].pk}/"' in html
    for text in ("Mine", "Alice Acme", "VIP", "Open", "Normal", "Billing", "Ada Agent", "refund"):
        assert text in html
    assert_no_inline_script(html)


def test_empty_states_per_tab(desk, client):
    signed_in(client, desk.agent)
    assert "Nothing assigned to you is open" in client.get("/").content.decode()
    assert "Every open case has an owner" in client.get("/?tab=unassigned").content.decode()
    assert "No resolved cases yet" in client.get("/?tab=resolved").content.decode()
    assert 'id="inbox"' not in client.get("/?tab=open").content.decode()


def test_filters(desk, client, cases, now):
    actions.do_change_priority(cases["team"], actor=desk.agent, priority=Priority.URGENT, now=now)
    actions.do_set_tags(cases["loose"], actor=desk.agent, names=["late delivery"], now=now)
    signed_in(client, desk.manager)
    r = {k: c.reference for k, c in cases.items()}
    assert refs(client.get("/?tab=open&priority=urgent")) == {r["team"]}
    assert refs(client.get(f"/?tab=open&team={desk.delivery.pk}")) == {r["other"]}
    assert refs(client.get("/?tab=open&tag=Late Delivery")) == {r["loose"]}
    assert refs(client.get("/?tab=open&tier=standard")) == {r["loose"]}
    assert refs(client.get("/?tab=open&tier=vip")) == {r["mine"], r["team"], r["other"]}
    assert refs(client.get("/?tab=open&status=open")) == {r["mine"]}
    assert "No cases match these filters" in client.get("/?tab=open&tag=nothing").content.decode()


def test_sorts(desk, client, cases, now):
    signed_in(client, desk.manager)
    actions.do_change_priority(
        cases["other"], actor=desk.manager, priority=Priority.URGENT, now=now
    )
    html = client.get("/?tab=open&sort=priority").content.decode()
    assert re.findall(r'class="case-link">(CD-\d+)<', html)[0] == cases["other"].reference
    html = client.get("/?tab=open&sort=created").content.decode()
    assert re.findall(r'class="case-link">(CD-\d+)<', html)[0] == cases["loose"].reference
    html = client.get("/?tab=open&sort=waiting").content.decode()
    assert re.findall(r'class="case-link">(CD-\d+)<', html)[0] == cases["mine"].reference


@pytest.mark.parametrize(
    "query",
    [
        "?tab=bogus",
        "?status=exploded",
        "?priority=%00",
        "?team=abc",
        "?team=999999999999999999999999999",
        "?tier=gold",
        "?sort=-id;drop table",
        "?page=-1",
        "?page=99999999999999999999",
        "?page=abc",
        "?tag=" + "x" * 500,
        "?tag=<script>alert(1)</script>",
        "?status=open&status=closed",
    ],
)
def test_bad_filter_values_never_500(desk, client, cases, query):
    signed_in(client, desk.agent)
    response = client.get("/" + query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_pagination_is_fifty_per_page(desk, client, now):
    for i in range(55):
        open_case(desk, later(now, i), subject=f"Bulk {i}")
    signed_in(client, desk.agent)
    first = client.get("/?tab=open")
    assert len(refs(first)) == 50 and "Next page" in first.content.decode()
    second = client.get("/?tab=open&page=2")
    assert len(refs(second)) == 5 and refs(first).isdisjoint(refs(second))
    assert "Next page" not in second.content.decode()


def _make_cases(desk, now, count, offset=0):
    org = Organization.objects.create(name=f"Org {offset}", tier=Tier.PRIORITY)
    for i in range(count):
        customer = make_customer(f"c{offset + i}@many.test", organization=org if i % 2 else None)
        ticket = open_case(desk, later(now, i), customer=customer, team=desk.billing)
        actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
        actions.do_set_tags(ticket, actor=desk.agent, names=[f"t{i % 3}", "bulk"], now=now)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("tab", ["mine", "teams", "open", "unassigned"])
def test_inbox_query_count_does_not_grow_with_cases(desk, client, now, tab):
    signed_in(client, desk.agent)
    _make_cases(desk, now, 3)
    small = _count_queries(client, f"/?tab={tab}")
    _make_cases(desk, now, 30, offset=100)
    large = _count_queries(client, f"/?tab={tab}")
    assert small == large
    # Session, user (with its TOTP state), teams, rows, the unread-notification badge (one
    # indexed COUNT); SQLite reads the tags separately.
    assert large <= (5 if connection.vendor == "postgresql" else 6)


def test_inbox_rows_escape_everything_customers_control(desk, client, now):
    org = Organization.objects.create(name='<img src=x onerror="alert(2)">', tier=Tier.PRIORITY)
    evil = make_customer("evil@example.test", "<b>Evil</b> & Co", org)
    ticket = open_case(
        desk, now, customer=evil, subject="<script>alert(1)</script> refund", team=desk.billing
    )
    actions.do_set_tags(ticket, actor=desk.agent, names=["<i>x</i>"], now=now)
    signed_in(client, desk.agent)
    html = client.get("/?tab=teams").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; refund" in html
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert 'onerror="alert(2)"' not in html and "&lt;img src=x" in html
    assert "<script>alert(1)</script>" not in html and "<i>x</i>" not in html
    assert_no_inline_script(html)


def test_inbox_row_says_how_long_ago_the_case_moved(desk, client, now):
    from caredesk.workspace.templatetags.case_rows import ago

    assert ago(now, now) == "just now"
    assert ago(later(now, minutes=-125), now) == "2h 5m ago"
    assert ago(later(now, minutes=-3 * 24 * 60), now) == "3d ago"
    assert ago(later(now, minutes=5), now) == "just now"  # clock skew never reads "in the future"


def test_inbox_row_tags_are_in_name_order(desk, client, now):
    ticket = open_case(desk, now, team=desk.billing)
    actions.do_set_tags(ticket, actor=desk.agent, names=["zebra", "apple", "mango"], now=now)
    signed_in(client, desk.agent)
    html = client.get("/?tab=teams").content.decode()
    assert re.findall(r'<span class="tag">([^<]+)</span>', html) == ["apple", "mango", "zebra"]


def test_rows_show_unassigned_no_team_and_no_tier(desk, client, now):
    solo = make_customer("solo@example.test", "Solo Person")
    loose = open_case(desk, now, customer=solo, subject="Loose end")
    signed_in(client, desk.agent)
    html = client.get("/?tab=unassigned").content.decode()
    row = next(r for r in html.split("<tr ")[1:] if "Loose end" in r)
    assert f'data-href="/cases/{loose.pk}/"' in row
    assert '<span class="muted">Unassigned</span>' in row and '<td data-label="Team">—</td>' in row
    assert "tier-" not in row


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "open", "priority": "urgent", "tier": "vip", "sort": "waiting", "tag": "x"},
        {"team": "1", "tag": '"><script>alert(1)</script>', "sort": "bogus"},
        {"status": ["open", "closed"], "tier": "<b>"},
    ],
)
def test_filter_widgets_match_djangos_own_rendering(desk, data):
    """The Python-built selects and text input are byte for byte Django's templates."""
    from django.forms.renderers import DjangoTemplates

    from caredesk.accounts.models import Team
    from caredesk.workspace.forms import InboxFilterForm

    Team.objects.create(name='Ops & <"Support">', slug="ops")
    teams = list(Team.objects.order_by("name"))
    fast = InboxFilterForm(data, teams=teams)
    plain = InboxFilterForm(data, teams=teams, renderer=DjangoTemplates())
    fast.is_valid()
    plain.is_valid()
    for name in fast.fields:
        assert str(fast[name].as_widget()) == str(plain[name].as_widget())


def test_fast_widget_renderer_matches_django_beyond_the_inbox_form():
    """Option groups, numbers, safe and lazy labels, boolean attributes, quoted values."""
    from django import forms
    from django.forms.renderers import DjangoTemplates
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from caredesk.workspace.widget_html import fast_widgets

    class Sample(forms.Form):
        grouped = forms.ChoiceField(
            choices=[
                ("Fruit & veg", [(1, "Apple"), (2, mark_safe("<b>Bold</b>"))]),
                (3, gettext_lazy("Lazy")),
                ("", "<none>"),
            ],
            widget=forms.Select(attrs={"data-x": 'a"b', "disabled": True, "hidden": False}),
        )
        text = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"autofocus": True}))

    for data in ({}, {"grouped": "2", "text": '"><i>x'}, {"grouped": "3", "text": ""}):
        fast = Sample(data, renderer=fast_widgets)
        plain = Sample(data, renderer=DjangoTemplates())
        for name in ("grouped", "text"):
            assert str(fast[name].as_widget()) == str(plain[name].as_widget())


def test_inbox_rows_name_teams_missing_from_the_given_list(desk, now):
    """Names come from the page's team list; a team not in it (new a moment ago) is read."""
    from caredesk.workspace import selectors

    open_case(desk, now, subject="Billing case", team=desk.billing)
    stale = [desk.delivery]  # the list the page loaded, before Billing "existed"
    page = selectors.inbox_page(desk.agent, "teams", {}, 1, teams=stale)
    assert [row.team_name for row in page.rows] == ["Billing"]
