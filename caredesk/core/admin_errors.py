"""Admin pages that save through ``do_*`` actions show the action's refusal (a
:class:`~caredesk.core.errors.DomainError`: last admin, team in use…) as an error
message on the page, with nothing written, instead of a server error."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from caredesk.core.errors import DomainError


class ActionErrorsAsMessages:
    """Mix into a ModelAdmin (first): the admin's own transaction is rolled back, the
    message shown, and the page opened again."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )
        except DomainError as error:
            return self._refused(request, error)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        except DomainError as error:
            return self._refused(request, error)

    def _refused(self, request: HttpRequest, error: DomainError) -> HttpResponse:
        self.message_user(request, error.message, messages.ERROR)  # type: ignore[attr-defined]
        return HttpResponseRedirect(request.get_full_path())
