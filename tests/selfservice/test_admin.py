"""The request type admin: saved through the action (audited); bad types are refused
with the field and nothing is written; requests are read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.core.models import Event
from caredesk.selfservice.models import RequestType

FORM = {
    "name": "Cancel my membership",
    "kind": "cancel_subscription",
    "record_kinds": ["subscription"],
    "policy": "",
    "confirmation_text": "It ends at the end of the month.",
    "outcome_hours": "48",
    "is_active": "on",
}


def admin_client(desk):
    client = Client()
    client.force_login(desk.admin)
    return client


def test_admin_pages_load(desk):
    client = admin_client(desk)
    for path in ("requesttype", "requesttype/add", "selfservicerequest"):
        assert client.get(f"/admin/selfservice/{path}/").status_code == 200, path


def test_admin_saves_a_good_type_through_the_action(desk):
    client = admin_client(desk)
    response = client.post("/admin/selfservice/requesttype/add/", FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    rt = RequestType.objects.get()
    assert rt.record_kinds == ["subscription"]
    assert Event.objects.filter(kind="selfservice.type_saved").count() == 1
    assert client.post(f"/admin/selfservice/requesttype/{rt.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"record_kinds": ["rocket"]},
        {"record_kinds": []},
        {"kind": "teleport"},
        {"name": ""},
        {"confirmation_text": "x" * 2001},
        {"outcome_hours": "0"},
        {"kind": "update_contact", "record_kinds": [], "offer_retention": "on"},
    ],
)
def test_admin_refuses_bad_types_with_the_field(desk, change):
    response = admin_client(desk).post("/admin/selfservice/requesttype/add/", {**FORM, **change})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not RequestType.objects.exists()
    assert not Event.objects.filter(kind="selfservice.type_saved").exists()
