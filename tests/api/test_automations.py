"""Automations through the API: CRUD with the page's rules, order, dry run and runs."""

from __future__ import annotations

from caredesk.automations.models import Automation
from caredesk.core.models import Event
from caredesk.tickets.models import Ticket

from .conftest import open_case


def create(client, **kw):
    body = {
        "name": "VIP first",
        "events": ["case.created"],
        "conditions": {"tiers": ["vip"]},
        "actions": [{"kind": "priority", "value": "high"}],
    }
    body.update(kw)
    return client.post("/api/v1/automations", body)


def test_crud_order_and_switch(api, desk):
    made = create(api.lead)
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["actions"][0]["summary"] == "Set priority to high" and out["can_edit"]
    pk = out["id"]
    second = create(api.lead, name="Second").json()["id"]
    moved = api.lead.post(f"/api/v1/automations/{second}/move", {"position": 1})
    assert [a["id"] for a in moved.json()["items"]] == [second, pk]
    off = api.lead.patch(f"/api/v1/automations/{pk}", {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    renamed = api.lead.patch(f"/api/v1/automations/{pk}", {"name": "VIPs first"})
    assert renamed.json()["name"] == "VIPs first" and renamed.json()["conditions"] == {
        "tiers": ["vip"]
    }
    assert api.agent.get(f"/api/v1/automations/{pk}").json()["can_edit"] is False
    assert api.lead.delete(f"/api/v1/automations/{pk}").status_code == 204
    assert list(Automation.objects.values_list("pk", flat=True)) == [second]
    kinds = set(Event.objects.filter(kind__startswith="automation.").values_list("kind", flat=True))
    assert kinds == {
        "automation.created",
        "automation.updated",
        "automation.moved",
        "automation.deleted",
    }


def test_agents_and_customers_are_refused(api, desk):
    assert create(api.agent).status_code == 403
    assert create(api.alice).status_code in (401, 403)
    pk = create(api.lead).json()["id"]
    assert api.agent.patch(f"/api/v1/automations/{pk}", {"active": False}).status_code == 403
    assert api.agent.delete(f"/api/v1/automations/{pk}").status_code == 403
    assert api.alice.get("/api/v1/automations").status_code in (401, 403)


def test_hostile_and_oversized_input_is_refused_with_a_reason(api, desk):
    cases = [
        {"name": "x" * 501},
        {"name": "   "},
        {"events": ["<script>"]},
        {"actions": []},
        {"actions": [{"kind": "mail", "body": "{% debug %}"}]},
        {"actions": [{"kind": "mail", "body": "{{ request.user }}"}]},
        {"actions": [{"kind": "launch"}]},
        {"conditions": {"words": ["a" * 61]}},
        {"conditions": {"time_from": "25:00", "time_to": "10:00"}},
        {"conditions": {"evil": 1}},
        {"trigger": "time", "time_state": "status", "time_status": "open"},  # no minutes
    ]
    for body in cases:
        refused = create(api.lead, **body)
        assert refused.status_code in (400, 422), (body, refused.content)
        assert refused.json()["error"]["message"], body
    assert not Automation.objects.exists()
    kept = create(api.lead, name="<img src=x onerror=alert(1)>")
    assert kept.json()["name"] == "<img src=x onerror=alert(1)>"


def test_dry_run_and_runs(api, desk, now):
    pk = create(api.lead).json()["id"]
    vip = open_case(desk, now)  # Alice is VIP: the automation ran
    open_case(desk, now, customer=desk.bob)
    assert Ticket.objects.get(pk=vip.pk).priority == "high"
    dry = api.agent.get(f"/api/v1/automations/{pk}/dry-run").json()
    assert dry["count"] == 1 and [c["id"] for c in dry["cases"]] == [vip.pk] and dry["exact"]
    runs = api.agent.get(f"/api/v1/automations/{pk}/runs").json()["items"]
    assert [(r["case_id"], r["cause"], r["done"]) for r in runs] == [
        (vip.pk, "case.created", ["Set priority to high"])
    ]
    assert api.agent.get("/api/v1/automations/999999/dry-run").status_code == 404


def test_a_webhook_step_names_an_active_endpoint(api, desk, now, settings):
    from caredesk.channels.webhooks.actions import do_create_endpoint

    settings.CAREDESK_WEBHOOK_ALLOW_PRIVATE = True
    crm, _ = do_create_endpoint(
        actor=desk.admin, url="http://127.0.0.1:9/crm", events=["case.created"], now=now
    )
    made = create(api.lead, actions=[{"kind": "webhook", "endpoint_id": crm.pk}])
    assert made.status_code == 201, made.content
    step = made.json()["actions"][0]
    assert (
        step["endpoint_id"] == crm.pk and step["summary"] == "Call webhook “http://127.0.0.1:9/crm”"
    )
    refused = create(api.lead, name="Nowhere", actions=[{"kind": "webhook", "endpoint_id": 999}])
    assert refused.status_code == 400 and "active webhook endpoint" in refused.content.decode()
