"""What one intake batch reads once instead of once per message.

A batch of stored messages is filed inside one transaction, each message in its own
savepoint. The lookups every message needs (our own addresses, which senders are staff or
known customers, which Message-IDs are already on a case) are read for the whole batch up
front, and kept up to date as messages are filed. Every change is journalled, so when a
message's savepoint rolls back its additions are forgotten too: the cache never names a
customer or a Message-ID that the database does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caredesk.accounts.models import Role, User
from caredesk.channels.email.loops import own_addresses
from caredesk.channels.email.models import RawMessage
from caredesk.channels.email.parsing import ParsedEmail
from caredesk.core.bulk import update_rows
from caredesk.core.models import EmailLink
from caredesk.customers.models import ContactIdentity, Customer

STAFF_ROLES = [Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN]
_ABSENT = object()


@dataclass
class Outcome:
    raw_id: int
    state: str
    error: str = ""
    message_id: int | None = None
    ticket_id: int | None = None


@dataclass
class IntakeBatch:
    own: set[str] = field(default_factory=own_addresses)
    # address -> its customer, or None when no customer has it; absent: not looked up.
    customers: dict[str, Customer | None] = field(default_factory=dict)
    staff: set[str] = field(default_factory=set)
    filed_ids: set[str] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledgements: list[tuple[int, str]] = field(default_factory=list)
    _journal: list[tuple[Any, Any, Any]] = field(default_factory=list)

    def prefetch(self, parsed: list[ParsedEmail]) -> None:
        """Read, in three queries, what the messages of the batch will ask about."""
        senders = {p.from_address for p in parsed if p.from_address}
        addresses = senders | {a for p in parsed for a in p.cc}
        message_ids = {p.message_id for p in parsed if p.message_id}
        if addresses:
            self.customers.update(dict.fromkeys(addresses))
            identities = ContactIdentity.objects.select_related("customer").filter(
                kind=ContactIdentity.Kind.EMAIL, value__in=addresses
            )
            for identity in identities:
                self.customers[identity.value] = identity.customer
        if senders:
            self.staff.update(
                User.objects.filter(email__in=senders, role__in=STAFF_ROLES).values_list(
                    "email", flat=True
                )
            )
        if message_ids:
            self.filed_ids.update(
                EmailLink.objects.filter(rfc_message_id__in=message_ids).values_list(
                    "rfc_message_id", flat=True
                )
            )

    # --- reads -------------------------------------------------------------------------

    def customer_for(self, address: str) -> Customer | object | None:
        """The cached answer, or ``_ABSENT`` when this address was not looked up."""
        return self.customers.get(address, _ABSENT)

    # --- journalled writes --------------------------------------------------------------

    def remember_customer(self, address: str, customer: Customer) -> None:
        self._journal.append(("dict", self.customers, (address, self.customer_for(address))))
        self.customers[address] = customer

    def remember_filed(self, message_id: str) -> None:
        if message_id not in self.filed_ids:
            self._journal.append(("set", self.filed_ids, message_id))
            self.filed_ids.add(message_id)

    def add_outcome(self, outcome: Outcome) -> None:
        self._journal.append(("list", self.outcomes, None))
        self.outcomes.append(outcome)

    def acknowledge(self, ticket_id: int, address: str) -> None:
        self._journal.append(("list", self.acknowledgements, None))
        self.acknowledgements.append((ticket_id, address))

    def mark(self) -> int:
        return len(self._journal)

    def undo(self, mark: int) -> None:
        """Forget everything remembered since ``mark`` (its savepoint rolled back)."""
        while len(self._journal) > mark:
            kind, target, value = self._journal.pop()
            if kind == "dict":
                key, old = value
                if old is _ABSENT:
                    target.pop(key, None)
                else:
                    target[key] = old
            elif kind == "set":
                target.discard(value)
            else:
                target.pop()

    def write_outcomes(self, now: datetime) -> None:
        """One UPDATE for the outcomes of every message filed in this batch."""
        if not self.outcomes:
            return
        rows = [
            RawMessage(
                pk=o.raw_id,
                state=o.state,
                error=o.error[:5000],
                processed_at=now,
                message_id=o.message_id,
                ticket_id=o.ticket_id,
            )
            for o in self.outcomes
        ]
        update_rows(rows, ["state", "error", "processed_at", "message", "ticket"])
        self.outcomes.clear()
