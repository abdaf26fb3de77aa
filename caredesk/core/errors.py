"""Errors the domain raises on purpose. Every channel turns them into a clear message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that the rules refuse. ``code`` is machine-readable, ``message`` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidInput(DomainError):
    """Input the rules refuse, naming the field (the API answers 422 with the field in
    ``details``, in the shape of its validation errors)."""

    code = "invalid_input"
    status = 422

    def __init__(self, message: str, *, field: str, code: str | None = None) -> None:
        super().__init__(
            message,
            code=code,
            details=[
                {"field": field, "location": "body", "message": message, "type": code or "invalid"}
            ],
        )
        self.field = field
