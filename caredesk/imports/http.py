"""A small JSON client for the sources' REST APIs: bounded reads, timeouts, and polite
waiting on rate limits (429 or 503 with ``Retry-After``), as Zendesk and Zammad ask."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

MAX_JSON_BYTES = 50 * 1024 * 1024
MAX_WAIT_SECONDS = 120.0
MAX_RETRIES = 8


class SourceError(Exception):
    """The source answered something we cannot use (an error status, broken JSON)."""


class Client:
    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SourceError(f"{base_url!r} is not an http(s) address.")
        self.base_url = base_url.rstrip("/") + "/"
        self.host = parts.netloc
        self.headers = {"Accept": "application/json", **(headers or {})}
        self.timeout = timeout
        self.sleep = sleep
        self.waited = 0.0

    @staticmethod
    def basic(user: str, secret: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def url(self, path_or_url: str) -> str:
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def _same_host(self, url: str) -> None:
        # Credentials go only to the source we were given, never to a link inside a reply.
        if urlsplit(url).netloc != self.host:
            raise SourceError(f"refusing to follow {url!r}: not on {self.host}")

    def get_bytes(self, path_or_url: str, *, limit: int, send_auth: bool = True) -> bytes:
        url = self.url(path_or_url)
        headers = dict(self.headers)
        if send_auth:
            self._same_host(url)
        else:
            headers.pop("Authorization", None)
        for attempt in range(MAX_RETRIES + 1):
            request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    data: bytes = response.read(limit + 1)
            except urllib.error.HTTPError as error:
                if error.code in (429, 503) and attempt < MAX_RETRIES:
                    self._wait(error.headers.get("Retry-After"), attempt)
                    continue
                raise SourceError(f"{url} answered {error.code} {error.reason}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                raise SourceError(f"{url} could not be read: {error}") from None
            if len(data) > limit:
                raise SourceError(f"{url} sent more than {limit:,} bytes")
            return data
        raise SourceError(f"{url} kept asking us to wait")  # pragma: no cover

    def get_json(self, path_or_url: str) -> dict[str, Any]:
        data = self.get_bytes(path_or_url, limit=MAX_JSON_BYTES)
        try:
            parsed = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise SourceError(f"{self.url(path_or_url)} sent broken JSON: {error}") from None
        if not isinstance(parsed, dict):
            raise SourceError(f"{self.url(path_or_url)} sent JSON that is not an object")
        return parsed

    def _wait(self, retry_after: str | None, attempt: int) -> None:
        try:
            seconds = float(retry_after) if retry_after else 2.0**attempt
        except ValueError:
            seconds = 2.0**attempt
        seconds = min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        self.waited += seconds
        self.sleep(seconds)
