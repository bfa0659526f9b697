"""How often one token, person or client may call the API: a sliding window per key, in `limits`' storage
(memory of each server process by default; set TAGSVC_API_RATE_LIMIT_STORAGE to redis://… to share the count
between processes)."""
from __future__ import annotations

import math
from functools import lru_cache
import time

from flask import Flask, current_app
from flask_babel import gettext as _
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from tagsvc.errors import TooManyRequestsError


@lru_cache(maxsize=8)
def _parsed(limit: str):
    return parse(limit)


class RequestLimits:
    def __init__(self, app: Flask) -> None:
        # A sliding window kept as two counters: as fair as a moving window, without a list of every request's time.
        self._limiter = SlidingWindowCounterRateLimiter(storage_from_string(app.config["API_RATE_LIMIT_STORAGE"]))

    def hit(self, key: str, limit: str) -> None:
        """Count one request for this key; over the limit, refuse it with the seconds to wait."""
        item = _parsed(limit)
        if self._limiter.hit(item, key):
            return
        reset_at = self._limiter.get_window_stats(item, key).reset_time
        wait = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequestsError(_("Too many requests. Try again in %(n)d seconds.", n=wait), retry_after=wait)


def count_request(key: str, anonymous: bool) -> None:
    config = current_app.config
    current_app.extensions["api_limits"].hit(key, config["API_ANONYMOUS_RATE_LIMIT" if anonymous else "API_RATE_LIMIT"])
