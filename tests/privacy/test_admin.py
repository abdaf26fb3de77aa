"""The admin's privacy page: export download, erase with the id typed, holds."""

from __future__ import annotations

import io
import zipfile

from django.test import Client
from django.urls import reverse

from caredesk.privacy.models import LegalHold
from caredesk.tickets import actions as case_actions
from caredesk.tickets.models import Channel, Ticket


def _admin(desk) -> Client:
    client = Client()
    client.force_login(desk.admin)
    return client


def _case(desk, now) -> Ticket:
    return case_actions.do_open_ticket(
        customer=desk.alice,
        subject="Broken lamp",
        body="The lamp is broken.",
        channel=Channel.PORTAL,
        now=now,
    )


def test_the_privacy_page_exports_and_erases(desk, now):
    case = _case(desk, now)
    client = _admin(desk)
    page = client.get(reverse("admin:privacy_customerprivacy_change", args=[desk.alice.pk]))
    assert page.status_code == 200 and b"Download everything held" in page.content
    export = client.get(reverse("admin:privacy_customerprivacy_export", args=[desk.alice.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    assert f"cases/{case.reference}.json" in archive.namelist()

    erase = reverse("admin:privacy_customerprivacy_erase", args=[desk.alice.pk])
    refused = client.post(erase, {"confirm": "wrong"}, follow=True)
    assert b"Type the customer" in refused.content
    assert Ticket.objects.get(pk=case.pk).subject == "Broken lamp"
    assert client.get(erase).status_code == 405  # never by a link
    done = client.post(erase, {"confirm": str(desk.alice.pk)}, follow=True)
    assert b"Erased:" in done.content and b"was erased on" in done.content
    assert Ticket.objects.get(pk=case.pk).subject == "[erased]"


def test_a_hold_placed_in_the_admin_hides_the_erase_button(desk, now):
    client = _admin(desk)
    added = client.post(
        reverse("admin:privacy_legalhold_add"),
        {"customer": desk.alice.pk, "reason": "Regulator inquiry"},
        follow=True,
    )
    assert added.status_code == 200
    assert LegalHold.objects.get(customer=desk.alice).placed_by == desk.admin
    page = client.get(reverse("admin:privacy_customerprivacy_change", args=[desk.alice.pk]))
    assert b"Legal hold in place" in page.content and b"Erase this customer" not in page.content


def test_agents_cannot_reach_the_privacy_pages(desk, now):
    client = Client()
    client.force_login(desk.agent)
    url = reverse("admin:privacy_customerprivacy_export", args=[desk.alice.pk])
    assert client.get(url).status_code in (302, 403)
