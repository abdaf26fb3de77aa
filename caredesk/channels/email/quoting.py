"""Separating the new text of a reply from the quoted history and the signature.

Heuristics, applied conservatively: when in doubt the text stays in the new part, and the
full original is always kept (the raw message, and the quoted part on the email link).
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^(?:"
    r"On .{1,300}wrote:?"  # Gmail, Apple Mail, Thunderbird
    r"|Le .{1,300}a écrit ?:?"
    r"|Am .{1,300}schrieb .{0,200}:?"
    r"|El .{1,300}escribió:?"
    r"|-{2,}\s*Original Message\s*-{2,}"
    r"|-{2,}\s*Forwarded message\s*-{2,}"
    r"|_{10,}"  # Outlook's separator line before its From:/Sent: block
    r"|From: .{1,300}\n(?:Sent|Date): .+"
    r")\s*$",
    re.I | re.M,
)
_SIGNATURE = re.compile(r"^-- ?$", re.M)


def split_reply(text: str) -> tuple[str, str, str]:
    """(new text, quoted history, signature). New text is never empty if ``text`` is not."""
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    quoted = ""
    match = _ATTRIBUTION.search(body)
    if match:
        body, quoted = body[: match.start()], body[match.start() :]
    else:
        # A trailing block of "> " lines (and blank lines) is quoted history.
        lines = body.rstrip("\n").split("\n")
        cut = len(lines)
        while cut > 0 and (lines[cut - 1].startswith(">") or not lines[cut - 1].strip()):
            cut -= 1
        if cut < len(lines) and any(line.startswith(">") for line in lines[cut:]):
            body, quoted = "\n".join(lines[:cut]), "\n".join(lines[cut:])
    signature = ""
    sig = None
    for found in _SIGNATURE.finditer(body):
        sig = found
    if sig is not None:
        body, signature = body[: sig.start()], body[sig.end() :]
    new = body.strip()
    if not new:
        # Nothing left (a bare forward, or only quoted text): show everything.
        return text.strip(), "", ""
    return new, quoted.strip(), signature.strip()
