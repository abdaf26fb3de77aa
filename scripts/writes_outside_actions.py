"""Count the writes to model rows made outside ``actions.py`` / ``actions/`` (house rule 1).

    python scripts/writes_outside_actions.py [--list]

A write is a call of ``.save(``, ``.update(``, ``.delete(``, ``.create(``, ``bulk_create``,
``get_or_create``, ``update_or_create`` or ``update_rows(`` on model rows, found in the
code (comments and strings are skipped). ``.update(`` and ``.delete(`` count only on a
query (the line names ``objects``, ``filter(`` or a manager): dicts, sets and hashes have
an ``update`` too. Migrations, tests, Django-admin modules (``admin.py``) and the model
methods that guard ``save``/``delete`` are left out, as in the issue that set the rule.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "caredesk"
QUERY_WRITE = re.compile(r"\.(update|delete)\(")
ROW_CREATE = re.compile(r"\.objects\.(create|bulk_create|get_or_create|update_or_create)\(")
SAVE = re.compile(r"(?<!super\(\))\.save\(")
HELPER = re.compile(r"\bupdate_rows\(")
NOT_ROWS = ("super().save(", ".file.save(", "image.save(")


def code_lines(path: Path) -> dict[int, str]:
    """Line number -> the line's code with comments and strings blanked out."""
    source = path.read_text()
    lines = source.splitlines()
    keep = {i + 1: list(line) for i, line in enumerate(lines)}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        (srow, scol), (erow, ecol) = tok.start, tok.end
        for row in range(srow, erow + 1):
            chars = keep[row]
            start = scol if row == srow else 0
            end = ecol if row == erow else len(chars)
            for col in range(start, min(end, len(chars))):
                chars[col] = " "
    return {n: "".join(chars) for n, chars in keep.items()}


def writes(path: Path) -> list[tuple[int, str]]:
    found = []
    text = path.read_text().splitlines()
    for number, code in code_lines(path).items():
        if code.lstrip().startswith("def ") or any(s in code for s in NOT_ROWS):
            continue
        match = QUERY_WRITE.search(code)
        query = match and re.search(r"objects|filter\(|_manager", code[: match.start()])
        if query or ROW_CREATE.search(code) or SAVE.search(code) or HELPER.search(code):
            found.append((number, text[number - 1].strip()))
    return found


def counted(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return not (
        "migrations" in parts
        or "actions" in parts
        or path.name in ("actions.py", "admin.py", "models.py")
    )


def main(argv: list[str]) -> int:
    total = 0
    for path in sorted(ROOT.rglob("*.py")):
        if not counted(path):
            continue
        for number, line in writes(path):
            total += 1
            if "--list" in argv:
                print(f"{path.relative_to(ROOT.parent)}:{number}: {line}")
    print(f"{total} writes outside actions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
