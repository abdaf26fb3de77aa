from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from caredesk.core import clock


def site(request: HttpRequest) -> dict[str, Any]:
    # ``now`` is read once per request so every deadline on a page agrees.
    return {"site_name": "caredesk", "debug_mode": settings.DEBUG, "now": clock.now()}
