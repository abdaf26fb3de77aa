"""Who an incident affects: a rule (organizations, tiers, case tags, record kind and
attributes, product) and/or an explicit list of customers (ids, or a CSV of addresses).

The kinds of criteria in a rule narrow each other (customers of organization A *and* on
plan "pro"); several values of one kind widen it (organization A *or* B). The explicit
list is added to what the rule finds. A rule with no criterion finds nobody: "everyone"
is never an accident.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from caredesk.core.errors import DomainError, InvalidInput
from caredesk.customers.models import ContactIdentity, Customer, Organization, Tier
from caredesk.records.models import Record, RecordLine
from caredesk.tickets.models import Ticket

MAX_VALUES = 100  # values per kind of criterion
MAX_VALUE = 200
MAX_EXPLICIT = 50_000
MAX_CSV_BYTES = 2_000_000
MAX_CSV_ROWS = 50_000
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Rule:
    organization_ids: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    record_kind: str = ""
    record_attributes: tuple[tuple[str, str], ...] = ()
    products: tuple[str, ...] = ()
    customer_ids: tuple[int, ...] = ()

    @property
    def has_criteria(self) -> bool:
        return bool(
            self.organization_ids
            or self.tiers
            or self.tags
            or self.record_kind
            or self.record_attributes
            or self.products
        )

    def describe(self) -> dict[str, Any]:
        """What the incident page shows (and stores) about how the audience was chosen."""
        out: dict[str, Any] = {}
        if self.organization_ids:
            out["organizations"] = list(
                Organization.objects.filter(pk__in=self.organization_ids).values_list(
                    "name", flat=True
                )
            )
        for name in ("tiers", "tags", "products"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.record_kind:
            out["record_kind"] = self.record_kind
        if self.record_attributes:
            out["record_attributes"] = dict(self.record_attributes)
        if self.customer_ids:
            out["listed_customers"] = len(self.customer_ids)
        return out


def _values(raw: Iterable[Any], what: str) -> tuple[str, ...]:
    values = []
    for item in raw:
        value = " ".join(str(item).split())
        if not value:
            continue
        if len(value) > MAX_VALUE:
            raise InvalidInput(f"A {what} is too long (limit {MAX_VALUE}).", field=what)
        values.append(value)
    if len(values) > MAX_VALUES:
        raise InvalidInput(f"At most {MAX_VALUES} {what} values.", field=what)
    return tuple(dict.fromkeys(values))


def _ids(raw: Iterable[Any], what: str, limit: int) -> tuple[int, ...]:
    ids = []
    for item in raw:
        try:
            value = int(item)
        except (TypeError, ValueError):
            raise InvalidInput(f"{what} must be whole numbers.", field=what) from None
        if not 0 < value < 2**63:
            raise InvalidInput(f"{what} must be positive ids.", field=what)
        ids.append(value)
    if len(ids) > limit:
        raise InvalidInput(f"At most {limit:,} {what}.", field=what)
    return tuple(dict.fromkeys(ids))


def make_rule(
    *,
    organization_ids: Iterable[Any] = (),
    tiers: Iterable[Any] = (),
    tags: Iterable[Any] = (),
    record_kind: str = "",
    record_attributes: dict[str, Any] | None = None,
    products: Iterable[Any] = (),
    customer_ids: Iterable[Any] = (),
) -> Rule:
    """A checked rule from what a form or the API sent; refuses what it cannot use."""
    tier_values = _values(tiers, "tiers")
    unknown = [t for t in tier_values if t not in Tier.values]
    if unknown:
        raise InvalidInput(f"Unknown tier {unknown[0]!r}.", field="tiers")
    attributes = []
    for key, value in (record_attributes or {}).items():
        key = str(key).strip().lower()
        if not _KEY.match(key) or "__" in key:
            raise InvalidInput(
                "Record attribute names are lower-case letters, digits and _ (up to 40).",
                field="record_attributes",
            )
        text = " ".join(str(value).split())
        if not text or len(text) > MAX_VALUE:
            raise InvalidInput(
                f"The value of record attribute {key!r} is empty or too long.",
                field="record_attributes",
            )
        attributes.append((key, text))
    if len(attributes) > 10:
        raise InvalidInput("At most 10 record attributes.", field="record_attributes")
    kind = " ".join(str(record_kind or "").split())
    if len(kind) > 32:
        raise InvalidInput("The record kind is too long (limit 32).", field="record_kind")
    return Rule(
        organization_ids=_ids(organization_ids, "organization_ids", MAX_VALUES),
        tiers=tier_values,
        tags=tuple(t.lower() for t in _values(tags, "tags")),
        record_kind=kind,
        record_attributes=tuple(sorted(attributes)),
        products=_values(products, "products"),
        customer_ids=_ids(customer_ids, "customer_ids", MAX_EXPLICIT),
    )


def _matching(rule: Rule) -> QuerySet[Customer]:
    found = Customer.objects.all()
    if rule.organization_ids:
        found = found.filter(organization_id__in=rule.organization_ids)
    if rule.tiers:
        by_tier = Q(organization__tier__in=rule.tiers)
        if Tier.STANDARD in rule.tiers:
            by_tier |= Q(organization__isnull=True)
        found = found.filter(by_tier)
    if rule.tags:
        tagged = Ticket.objects.filter(tags__name__in=rule.tags).values("customer_id")
        found = found.filter(pk__in=tagged)
    if rule.record_kind or rule.record_attributes:
        records = Record.objects.all()
        if rule.record_kind:
            records = records.filter(kind=rule.record_kind)
        for key, value in rule.record_attributes:
            records = records.filter(**{f"attributes__{key}": value})
        found = found.filter(
            Q(pk__in=records.filter(customer__isnull=False).values("customer_id"))
            | Q(
                organization_id__in=records.filter(organization__isnull=False).values(
                    "organization_id"
                )
            )
        )
    if rule.products:
        product = Q()
        for name in rule.products:
            product |= Q(product__iexact=name)
        lines = RecordLine.objects.filter(product).filter(record__customer__isnull=False)
        found = found.filter(pk__in=lines.values("record__customer_id"))
    return found


def customer_ids(rule: Rule) -> list[int]:
    """The customers the rule and the list pick, each once, in id order."""
    chosen: set[int] = set()
    if rule.has_criteria:
        chosen.update(_matching(rule).values_list("pk", flat=True))
    if rule.customer_ids:
        chosen.update(
            Customer.objects.filter(pk__in=rule.customer_ids).values_list("pk", flat=True)
        )
    return sorted(chosen)


def count(rule: Rule) -> int:
    """The audience preview: how many customers an incident with this rule would reach."""
    return len(customer_ids(rule))


# -- CSV -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the first line of the file (the header when there is one)
    value: str
    message: str


@dataclass
class CsvAudience:
    customer_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    def summary(self, limit: int = 20) -> str:
        shown = "; ".join(f"row {e.row}: {e.message}" for e in self.errors[:limit])
        more = len(self.errors) - limit
        return shown + (f"; and {more:,} more" if more > 0 else "")


def read_csv(data: bytes | str) -> CsvAudience:
    """Customers named in a CSV: a column ``email`` (an address the customer is known
    by) or ``customer_id``, with a header row; or one address per line without one.
    Every row that names nobody is reported by its row number; the rest is kept."""
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            raise DomainError(
                gettext("The CSV file is too large (%(size)s bytes; the limit is %(limit)s).")
                % {"size": f"{len(data):,}", "limit": f"{MAX_CSV_BYTES:,}"},
                code="csv_too_large",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError(
                gettext("The CSV file is not UTF-8 text."), code="csv_not_text"
            ) from None
    else:
        text = data
        if len(text) > MAX_CSV_BYTES:
            raise DomainError(gettext("The CSV text is too large."), code="csv_too_large")
    if "\x00" in text:
        raise DomainError(
            gettext("The CSV file is not text (it contains NUL bytes)."), code="csv_not_text"
        )
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DomainError(f"The CSV file cannot be read: {error}.", code="csv_unreadable") from None
    if len(rows) > MAX_CSV_ROWS + 1:
        raise DomainError(
            gettext("At most %(limit)s rows per CSV file.") % {"limit": f"{MAX_CSV_ROWS:,}"},
            code="csv_too_many_rows",
        )
    header = [c.strip().lower() for c in rows[0]] if rows else []
    column, start = ("email", 0), 1
    if "email" in header:
        column = ("email", header.index("email"))
    elif "customer_id" in header:
        column = ("customer_id", header.index("customer_id"))
    else:
        start = 0  # no header: one address per line
    result = CsvAudience()
    wanted: list[tuple[int, str]] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        value = row[column[1]].strip() if column[1] < len(row) else ""
        if not value:
            result.errors.append(RowError(number, "", f"the {column[0]} column is empty"))
            continue
        wanted.append((number, value[:MAX_VALUE]))
    if column[0] == "email":
        _emails(wanted, result)
    else:
        _ids_from_csv(wanted, result)
    result.customer_ids = sorted(set(result.customer_ids))
    result.errors.sort(key=lambda e: e.row)
    return result


def _emails(wanted: Sequence[tuple[int, str]], result: CsvAudience) -> None:
    valid: list[tuple[int, str]] = []
    for number, value in wanted:
        try:
            validate_email(value)
        except ValidationError:
            result.errors.append(RowError(number, value, f"{value!r} is not a mail address"))
            continue
        valid.append((number, value.lower()))
    known: dict[str, int] = {}
    addresses = [v for _, v in valid]
    for start in range(0, len(addresses), 1000):
        known.update(
            ContactIdentity.objects.filter(
                kind=ContactIdentity.Kind.EMAIL, value__in=addresses[start : start + 1000]
            ).values_list("value", "customer_id")
        )
    for number, value in valid:
        if value in known:
            result.customer_ids.append(known[value])
        else:
            result.errors.append(RowError(number, value, f"no customer has the address {value}"))


def _ids_from_csv(wanted: Sequence[tuple[int, str]], result: CsvAudience) -> None:
    numbers: list[tuple[int, str, int]] = []
    for number, value in wanted:
        if not value.isdigit() or not 0 < int(value) < 2**63:
            result.errors.append(RowError(number, value, f"{value!r} is not a customer id"))
            continue
        numbers.append((number, value, int(value)))
    ids = [n for _, _, n in numbers]
    known: set[int] = set()
    for start in range(0, len(ids), 1000):
        known.update(
            Customer.objects.filter(pk__in=ids[start : start + 1000]).values_list("pk", flat=True)
        )
    for number, value, pk in numbers:
        if pk in known:
            result.customer_ids.append(pk)
        else:
            result.errors.append(RowError(number, value, f"no customer has the id {value}"))


def csv_customers(data: bytes | str, *, confirm: bool) -> CsvAudience:
    """The customers a CSV names. With malformed rows the import is refused, naming each
    row, unless the user confirmed that the rest should be used (``confirm``); a file
    that names nobody at all is refused either way."""
    found = read_csv(data)
    details = [{"row": e.row, "value": e.value, "message": e.message} for e in found.errors]
    if found.errors and not found.customer_ids:
        raise DomainError(
            f"No row of the CSV names a customer: {found.summary()}.",
            code="csv_no_customers",
            details=details,
        )
    if found.errors and not confirm:
        raise DomainError(
            f"{len(found.errors):,} of {found.rows:,} rows cannot be used: {found.summary()}. "
            f"Confirm to import the other {len(found.customer_ids):,} customers.",
            code="csv_rows_malformed",
            details=details,
        )
    return found
