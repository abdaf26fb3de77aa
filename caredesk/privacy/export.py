"""Everything caredesk holds about one customer, as a zip archive (a subject access
request): their profile and addresses, every case with its messages (internal notes
marked), attachments, audit history, records, the mails sent to them, and what other
apps declared in ``parts``. Written to a spooled temporary file, so a customer with
gigabytes of attachments does not sit in memory."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q

from caredesk.core.models import OutboundEmail
from caredesk.customers.models import Customer
from caredesk.privacy import parts
from caredesk.records.models import Record
from caredesk.tickets.models import AuditEvent, Message, Ticket

SPOOL_BYTES = 16 * 1024 * 1024
README = """\
This archive holds everything {site} keeps about {name} (customer {pk}), exported on
{when} (UTC).

customer.json   the profile, addresses and portal account
cases/          one file per case: its fields, every message (internal notes are marked
                "internal": true), and its history of changes
attachments/    the files of each case's messages, by case reference
records.json    orders, subscriptions and bookings the business sent us
mails.json      every mail caredesk sent to these addresses or about these cases
other/          what the rest of caredesk holds (calls, raw mail, promises, …)
"""


def build_archive(customer: Customer, *, now: datetime) -> IO[bytes]:
    """The archive, rewound to its start; the caller closes it."""
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    cases = list(
        Ticket.objects.filter(customer=customer).select_related("team", "assignee").order_by("pk")
    )
    case_ids = [c.pk for c in cases]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(site="caredesk", name=customer.name, pk=customer.pk, when=now),
        )
        _json(archive, "customer.json", _customer(customer))
        for case in cases:
            _json(archive, f"cases/{case.reference}.json", _case(case))
            _attachments(archive, case)
        _json(archive, "records.json", _records(customer))
        addresses = [i.value for i in customer.identities.all()]
        _json(archive, "mails.json", _mails(addresses, case_ids))
        for text_part in parts.case_text_parts():
            rows = text_part.model._default_manager.filter(**{f"{text_part.lookup}__in": case_ids})
            _json(archive, f"other/{text_part.model._meta.label}.json", _rows(rows, text_part))
        for text_part in parts.customer_text_parts():
            rows = text_part.model._default_manager.filter(**{text_part.lookup: customer.pk})
            _json(archive, f"other/{text_part.model._meta.label}.json", _rows(rows, text_part))
        for part in parts.module_parts():
            _json(archive, f"other/{part.NAME}.json", part.export(customer, case_ids))
    out.seek(0)
    return out


def _json(archive: zipfile.ZipFile, name: str, data: Any) -> None:
    archive.writestr(name, json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))


def _customer(customer: Customer) -> dict[str, Any]:
    user = customer.user
    return {
        "id": customer.pk,
        "name": customer.name,
        "organization": customer.organization.name if customer.organization else None,
        "notes": customer.notes,
        "language": customer.language,
        "created_at": customer.created_at,
        "addresses": [
            {"kind": i.kind, "value": i.value, "verified": i.verified, "since": i.created_at}
            for i in customer.identities.all()
        ],
        "portal_account": (
            {"email": user.email, "active": user.is_active, "last_login": user.last_login}
            if user
            else None
        ),
        "legal_holds": [
            {"reason": h.reason, "placed_at": h.placed_at, "lifted_at": h.lifted_at}
            for h in customer.legal_holds.all()
        ],
    }


def _case(case: Ticket) -> dict[str, Any]:
    messages = Message.objects.filter(ticket=case).select_related("author_user", "author_customer")
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "channel": case.channel,
        "team": case.team.name if case.team else None,
        "assignee": case.assignee.display_name if case.assignee else None,
        "original_request": case.original_request,
        "created_at": case.created_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "messages": [
            {
                "kind": m.kind,
                "internal": not m.is_public,
                "author": (
                    m.author_user.display_name
                    if m.author_user
                    else (m.author_customer.name if m.author_customer else "")
                ),
                "channel": m.channel,
                "body": m.body,
                "cc": list(m.cc or []),
                "created_at": m.created_at,
                "attachments": [
                    {"filename": a.filename, "size": a.size, "sha256": a.sha256}
                    for a in m.attachments.all()
                ],
            }
            for m in messages
        ],
        "history": [
            {
                "at": e.created_at,
                "who": e.actor_label,
                "verb": e.verb,
                "field": e.field,
                "old": e.old_value,
                "new": e.new_value,
                "note": e.note,
            }
            for e in AuditEvent.objects.filter(ticket=case)
        ],
    }


def _attachments(archive: zipfile.ZipFile, case: Ticket) -> None:
    for message in Message.objects.filter(ticket=case).prefetch_related("attachments"):
        for attachment in message.attachments.all():
            name = f"attachments/{case.reference}/{attachment.pk}-{attachment.filename}"
            try:
                with attachment.file.open("rb") as source, archive.open(name, "w") as target:
                    for chunk in iter(lambda: source.read(1024 * 1024), b""):
                        target.write(chunk)
            except FileNotFoundError:
                archive.writestr(name + ".missing.txt", "The stored file was not found.")


def _records(customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "kind": r.kind,
            "external_id": r.external_id,
            "title": r.title,
            "status": r.status,
            "amount": r.amount,
            "currency": r.currency,
            "delivered_at": r.delivered_at,
            "renews_at": r.renews_at,
            "attributes": r.attributes,
            "lines": [
                {
                    "product": line.product,
                    "category": line.category,
                    "quantity": line.quantity,
                    "price": line.price,
                    "attributes": line.attributes,
                }
                for line in r.lines.all()
            ],
        }
        for r in Record.objects.filter(customer=customer).prefetch_related("lines")
    ]


def _mails(addresses: list[str], case_ids: list[int]) -> list[dict[str, Any]]:
    where = Q(ticket_id__in=case_ids) | Q(to__in=addresses)
    return [
        {"to": m.to, "subject": m.subject, "text": m.text, "state": m.state, "at": m.created_at}
        for m in OutboundEmail.objects.filter(where).order_by("created_at", "id")
    ]


def _rows(rows: Iterable[Model], part: parts.TextPart) -> list[dict[str, Any]]:
    return [{"id": row.pk, **{f: getattr(row, f) for f in part.fields}} for row in rows]
