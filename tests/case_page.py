"""The case page as a browser shows it: the page, then the panels it loads with htmx.

The case page loads its side panels after the page (``hx-get`` on ``load``); tests that
check what an agent sees on a case read the page with its panels filled in, as the
browser does.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(
    r'<div class="lazy-panel" id="panel-[\w-]+" hx-get="(?P<url>/cases/\d+/panels/[\w-]+)"'
    r".*?</div>",
    re.DOTALL,
)


def lazy_panel_urls(html: str) -> list[str]:
    return [m.group("url") for m in _PLACEHOLDER.finditer(html)]


def fill_panels(client, html: str) -> str:
    """``html`` with each lazy panel placeholder replaced by the panel it loads."""

    def load(match: re.Match[str]) -> str:
        response = client.get(match.group("url"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200, match.group("url")
        return response.content.decode()

    return _PLACEHOLDER.sub(load, html)


def case_page_html(client, pk: int) -> str:
    """The case page with its panels, as text."""
    response = client.get(f"/cases/{pk}/")
    assert response.status_code == 200
    return fill_panels(client, response.content.decode())
