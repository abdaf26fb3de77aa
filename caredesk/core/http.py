"""Small helpers every view layer uses: ids from URLs, and the status of a refusal."""

from __future__ import annotations

from django.http import Http404

from caredesk.core.errors import DomainError

# Primary keys are 64-bit; anything longer cannot name a row (and must not reach the database).
MAX_PK = 2**63 - 1


def check_pk(pk: int) -> int:
    if pk <= 0 or pk > MAX_PK:
        raise Http404("No such object.")
    return pk


def error_status(error: DomainError) -> int:
    """Form re-renders use 400 unless the error says otherwise (404 is raised, not rendered)."""
    return error.status if error.status in (400, 403, 409) else 400
