"""One way to call a messaging provider: JSON over HTTPS, retried where that is safe.

429 (rate limited) and 5xx are retried with backoff (honouring Retry-After or
Telegram's retry_after); 4xx other than 429 are not (the request itself is wrong
or the token expired). Errors name the provider and the path, never the token:
Telegram puts the token in the URL, so URLs are never logged or raised whole.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import requests

log = logging.getLogger(__name__)
RETRY_STATUSES = {429, 500, 502, 503, 504}
# Meta reports throughput limits as HTTP 400 with these error codes (Cloud API error codes page).
RATE_LIMIT_ERROR_CODES = {4, 80007, 130429, 131048, 131056}
_BOT_TOKEN_IN_PATH = re.compile(r"/bot\d+:[\w-]+")


class RedactTokensInURLs(logging.Filter):
    """urllib3 logs request lines at DEBUG; the Bot API's token is part of the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "/bot" in a for a in record.args):
            record.args = tuple(
                _BOT_TOKEN_IN_PATH.sub("/bot<token>", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str) and "/bot" in record.msg:
            record.msg = _BOT_TOKEN_IN_PATH.sub("/bot<token>", record.msg)
        return True


def redact_tokens_in_http_logs() -> None:
    """Attach the filter to urllib3's request logger once (called when a client is made)."""
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactTokensInURLs) for f in logger.filters):
        logger.addFilter(RedactTokensInURLs())


class ProviderError(Exception):
    """A call that finally failed; `status` is None when the provider was not reached."""

    def __init__(self, provider: str, what: str, status: Optional[int], detail: str) -> None:
        super().__init__(f"{provider} {what} failed ({status or 'no answer'}): {detail}")
        self.provider, self.what, self.status, self.detail = provider, what, status, detail


@dataclass
class ProviderHTTP:
    provider: str  # "Telegram", "WhatsApp": for messages only
    attempts: int = 3
    backoff_seconds: float = 0.5
    timeout_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        redact_tokens_in_http_logs()

    def post(self, url: str, what: str, payload: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Dict:
        """POST JSON and return the JSON answer; `what` names the call in logs instead of the URL."""
        last: Optional[ProviderError] = None
        for attempt in range(1, self.attempts + 1):
            try:
                response = requests.post(url, json=payload, headers=headers or {}, timeout=self.timeout_seconds)
            except requests.RequestException as error:
                last = ProviderError(self.provider, what, None, type(error).__name__)
            else:
                body = _json(response)
                if response.status_code < 300:
                    return body
                last = ProviderError(self.provider, what, response.status_code, _detail(body))
                if response.status_code not in RETRY_STATUSES and not _rate_limited(body):
                    break
                wait = _retry_after(response, body)
                if wait is not None and attempt < self.attempts:
                    log.warning("%s; retrying in %.1f s", last, wait)
                    self.sleep(min(wait, 30.0))
                    continue
            if attempt < self.attempts:
                log.warning("%s; retrying", last)
                self.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        assert last is not None
        log.error("%s", last)
        raise last


def _json(response: requests.Response) -> Dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _rate_limited(body: Dict) -> bool:
    error = body.get("error")
    return isinstance(error, dict) and error.get("code") in RATE_LIMIT_ERROR_CODES


def _detail(body: Dict) -> str:
    error = body.get("error")
    if isinstance(error, dict):  # Graph API: {"error": {"message", "code"}}
        return str(error.get("message") or error.get("code") or "error")[:200]
    return str(body.get("description") or "error")[:200]  # Bot API: {"ok": false, "description"}


def _retry_after(response: requests.Response, body: Dict) -> Optional[float]:
    parameters = body.get("parameters")
    if isinstance(parameters, dict) and isinstance(parameters.get("retry_after"), (int, float)):
        return float(parameters["retry_after"])
    header = response.headers.get("Retry-After")
    try:
        return float(header) if header else None
    except ValueError:
        return None
