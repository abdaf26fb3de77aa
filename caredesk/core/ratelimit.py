"""Which address a rate limit counts, behind a reverse proxy or not."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address as our own proxy saw it.

    A TLS-terminating proxy appends the address it received the request from to
    ``X-Forwarded-For``; entries to the left of it come from the client and can be forged,
    so only the rightmost entry is trusted.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if hops:
        return hops[-1][:45]
    return str(request.META.get("REMOTE_ADDR", ""))
