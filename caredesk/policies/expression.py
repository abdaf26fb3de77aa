"""The eligibility expression language: small, safe, checked when a rule is saved.

An expression is parsed with Python's ``ast`` in ``eval`` mode and then walked by this
module alone — nothing is ever compiled or evaluated by Python. Only these node types
are accepted (anything else is refused with its position):

* ``and``, ``or``, ``not``; comparisons ``== != < <= > >=``, ``in``, ``not in``;
* names ``record`` and ``line`` with their fields (:data:`RECORD_FIELDS`,
  :data:`LINE_FIELDS`), and ``record.attributes.key`` / ``line.attributes.key``;
* text, numbers, ``true``/``false``/``null`` (also ``True``/``False``/``None``), lists of
  those; unary minus on a number;
* the functions in :data:`FUNCTIONS`: ``days_since(date)``, ``days_until(date)``,
  ``lower(text)``.

``days_since`` counts calendar days in the desk's time zone with ``now`` passed in, so
"delivered 30 days ago" is the same all day. A value that is not known (no delivery date,
no such attribute) makes the rule undecidable; the check then says which fact is missing
instead of guessing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

MAX_LENGTH = 1000
MAX_NODES = 200
RECORD_FIELDS = frozenset(
    {
        "kind",
        "external_id",
        "status",
        "title",
        "amount",
        "currency",
        "starts_at",
        "ends_at",
        "delivered_at",
        "renews_at",
        "created_at",
        "attributes",
    }
)
LINE_FIELDS = frozenset({"product", "category", "quantity", "price", "delivered_at", "attributes"})
ROOTS = {"record": RECORD_FIELDS, "line": LINE_FIELDS}
CONSTANT_NAMES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}


class ExpressionError(ValueError):
    """A rule that cannot be saved: the message says what and where (column, 1-based)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        where = f" (at column {column})" if column is not None else ""
        super().__init__(f"{message}{where}")
        self.column = column


class Unknown(Exception):
    """A fact the rule needs is not known for this record (e.g. no delivery date)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Facts:
    """What a rule is evaluated against. ``line`` is None when the record has none."""

    record: Any
    line: Any
    now: datetime


def _days_since(value: Any, facts: Facts) -> int:
    if not isinstance(value, datetime):
        raise Unknown("a date for days_since")
    return (timezone.localtime(facts.now).date() - timezone.localtime(value).date()).days


def _days_until(value: Any, facts: Facts) -> int:
    return -_days_since(value, facts)


def _lower(value: Any, facts: Facts) -> str:
    if not isinstance(value, str):
        raise Unknown("a text for lower")
    return value.lower()


FUNCTIONS: dict[str, Callable[[Any, Facts], Any]] = {
    "days_since": _days_since,
    "days_until": _days_until,
    "lower": _lower,
}

COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


def _col(node: ast.AST) -> int:
    return int(getattr(node, "col_offset", 0)) + 1


def parse(text: str) -> ast.Expression:
    """Parse and check an expression; raises :class:`ExpressionError` with the position."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("The condition is empty.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"The condition is longer than {MAX_LENGTH} characters.")
    if "\n" in text.strip():
        raise ExpressionError("The condition must be on one line.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"Syntax error: {exc.msg}", exc.offset) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("The condition cannot be read.") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError(f"The condition is too complex ({count} parts; at most {MAX_NODES}).")
    _check(tree.body)
    return tree


def field_path(node: ast.AST) -> list[str] | None:
    """``line.attributes.condition`` → ["line", "attributes", "condition"]."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return list(reversed(parts))
    return None


def _check_field(node: ast.AST) -> None:
    path = field_path(node)
    if path is None:
        raise ExpressionError("Only fields of record and line can be used here.", _col(node))
    root, *rest = path
    if root not in ROOTS:
        raise ExpressionError(f"Unknown name “{root}”; use record or line.", _col(node))
    if not rest:
        raise ExpressionError(f"Name a field of {root}, e.g. {root}.status.", _col(node))
    fields = ROOTS[root]
    if rest[0] not in fields:
        raise ExpressionError(
            f"Unknown field “{root}.{rest[0]}”; {root} has: {', '.join(sorted(fields))}.",
            _col(node),
        )
    if rest[0] == "attributes":
        if len(rest) != 2:
            raise ExpressionError(
                f"Name one attribute, e.g. {root}.attributes.condition.", _col(node)
            )
    elif len(rest) > 1:
        raise ExpressionError(f"“{root}.{rest[0]}” has no fields.", _col(node))


def _check(node: ast.AST) -> None:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And | ast.Or):
        for value in node.values:
            _check(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        if not (isinstance(node.operand, ast.Constant) and _is_number(node.operand.value)):
            raise ExpressionError("A minus sign goes only before a number.", _col(node))
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if not isinstance(op, COMPARE_OPS):
                raise ExpressionError("Only == != < <= > >= in and not in compare.", _col(node))
        _check(node.left)
        for value in node.comparators:
            _check(value)
    elif isinstance(node, ast.Attribute | ast.Name):
        if isinstance(node, ast.Name) and node.id in CONSTANT_NAMES:
            return
        _check_field(node)
    elif isinstance(node, ast.Constant):
        if not (node.value is None or isinstance(node.value, str | bool) or _is_number(node.value)):
            raise ExpressionError("Only text, numbers, true, false and null.", _col(node))
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            if not isinstance(item, ast.Constant | ast.UnaryOp | ast.Name):
                raise ExpressionError("A list holds only plain values.", _col(item))
            _check(item)
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ExpressionError(
                f"Unknown function; use one of: {', '.join(sorted(FUNCTIONS))}.", _col(node)
            )
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{name}() takes exactly one value.", _col(node))
        _check(node.args[0])
    else:
        raise ExpressionError(f"“{type(node).__name__}” is not allowed in a rule.", _col(node))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def evaluate(tree: ast.Expression, facts: Facts) -> bool:
    """True or False, or :class:`Unknown` naming the fact that is missing."""
    return bool(_value(tree.body, facts))


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _value(node: ast.AST, facts: Facts) -> Any:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_value(v, facts) for v in node.values)
        return any(_value(v, facts) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return not _value(node.operand, facts)
        return -_value(node.operand, facts)
    if isinstance(node, ast.Compare):
        left = _value(node.left, facts)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _value(right_node, facts)
            if not _compare(op, left, right, node):
                return False
            left = right
        return True
    if isinstance(node, ast.Name) and node.id in CONSTANT_NAMES:
        return CONSTANT_NAMES[node.id]
    if isinstance(node, ast.Attribute | ast.Name):
        return _field(node, facts)
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.List | ast.Tuple):
        return [_value(item, facts) for item in node.elts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return FUNCTIONS[node.func.id](_value(node.args[0], facts), facts)
    raise Unknown("a part of the rule")  # parse() refuses everything else


def _field(node: ast.AST, facts: Facts) -> Any:
    path = field_path(node) or []
    root, name, *rest = path
    target = facts.record if root == "record" else facts.line
    label = ".".join(path)
    if target is None:
        raise Unknown(f"{root} (there is no {'order line' if root == 'line' else 'record'})")
    if name == "attributes":
        attributes = getattr(target, "attributes", None) or {}
        if rest[0] not in attributes or attributes[rest[0]] is None:
            raise Unknown(label)
        return _number(attributes[rest[0]])
    value = getattr(target, name, None)
    if value is None or value == "":
        raise Unknown(label)
    return _number(value)


def _compare(op: ast.cmpop, left: Any, right: Any, node: ast.AST) -> bool:
    try:
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, list | str):
                raise Unknown(f"a list after “in” (column {_col(node)})")
            found = left in right
            return found if isinstance(op, ast.In) else not found
        if isinstance(op, ast.Eq):
            return bool(left == right)
        if isinstance(op, ast.NotEq):
            return bool(left != right)
        if isinstance(op, ast.Lt):
            return bool(left < right)
        if isinstance(op, ast.LtE):
            return bool(left <= right)
        if isinstance(op, ast.Gt):
            return bool(left > right)
        return bool(left >= right)
    except TypeError:
        raise Unknown(f"comparable values (column {_col(node)})") from None


def uses_line(tree: ast.Expression) -> bool:
    """Whether the rule reads a field of the line (so it is checked once per line)."""
    return any(isinstance(node, ast.Name) and node.id == "line" for node in ast.walk(tree))
