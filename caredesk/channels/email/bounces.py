"""Delivery-status notifications: recorded against the address they concern, never cases."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from flufl.bounce import all_failures

from caredesk.channels.email.models import Bounce, RawMessage
from caredesk.channels.email.parsing import ParsedEmail, message_ids
from caredesk.channels.email.threading import customer_for_address
from caredesk.core.models import OutboundEmail, OutboundState
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

log = logging.getLogger("caredesk.channels.email")
# flufl.bounce logs every detector it runs at INFO; that is noise in a worker's log.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)


def failed_recipients(parsed: ParsedEmail) -> list[tuple[str, bool]]:
    """[(address, permanent)] that the report says could not be delivered."""
    if parsed.message is None:
        return []
    try:
        temporary, permanent = all_failures(parsed.message)
    except Exception:  # a detector choking on odd input must not lose the message
        log.warning("bounce detection failed", exc_info=True)
        return []
    result: dict[str, bool] = {}
    for value, is_permanent in [(v, False) for v in temporary] + [(v, True) for v in permanent]:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        address = text.strip().strip("<>").lower()
        if address.count("@") == 1 and len(address) <= 254:
            result[address] = result.get(address, False) or is_permanent
    return sorted(result.items())


def _bounced_outbound(parsed: ParsedEmail, raw: RawMessage) -> OutboundEmail | None:
    candidates = list(parsed.embedded_message_ids)
    text = bytes(raw.raw).decode("utf-8", "replace")
    candidates += [m for m in message_ids(text) if m not in candidates]
    if not candidates:
        return None
    return (
        OutboundEmail.objects.filter(rfc_message_id__in=candidates[:200])
        .order_by("-created_at")
        .first()
    )


def record_bounces(raw: RawMessage, parsed: ParsedEmail, *, now: datetime) -> int:
    failures = failed_recipients(parsed)
    if not failures:
        return 0
    outbound = _bounced_outbound(parsed, raw)
    diagnostic = parsed.text[:2000]
    with transaction.atomic():
        for address, permanent in failures:
            ticket = (
                Ticket.objects.filter(pk=outbound.ticket_id).first()
                if outbound is not None
                and outbound.ticket_id is not None
                and outbound.to.lower() == address
                else None
            )
            Bounce.objects.create(
                address=address,
                permanent=permanent,
                customer=customer_for_address(address),
                ticket=ticket,
                outbound=outbound if ticket is not None else None,
                raw=raw,
                diagnostic=diagnostic,
                created_at=now,
            )
            if ticket is not None and outbound is not None:
                old = outbound.state
                OutboundEmail.objects.filter(pk=outbound.pk).update(
                    state=OutboundState.BOUNCED,
                    last_error=f"{'Permanent' if permanent else 'Temporary'} delivery failure "
                    f"reported for {address}.",
                )
                audit.record(
                    ticket,
                    None,
                    "email_bounced",
                    now=now,
                    field="delivery",
                    old={"address": address, "state": old},
                    new={"address": address, "state": "bounced", "permanent": permanent},
                    note=f"Mail to {address} could not be delivered.",
                )
    return len(failures)
