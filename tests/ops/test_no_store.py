"""Pages holding someone's cases are never kept by a browser or proxy cache."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/reports/", "/promises/"])
def test_signed_in_pages_say_no_store(client, desk, path):
    client.force_login(desk.lead)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_sign_in_portal_and_api_answers_say_no_store_too(client):
    for path in ("/login/", "/portal/", "/api/v1/cases"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path


def test_a_view_that_chose_its_caching_keeps_it(rf):
    from django.http import HttpResponse

    from caredesk.core.middleware import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse("logo")
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/static/logo.svg"))
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
