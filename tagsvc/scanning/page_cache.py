"""A small in-process memo of rendered public scan pages.

The key is everything the page depends on (the ScanFacts, the language, the path), so an entry can never be
stale: when anything shown changes, the key changes and the page is rendered anew. Old entries just age out.
"""
from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedPage:
    html: str
    gzipped: bytes

    @classmethod
    def of(cls, html: str) -> "CachedPage":
        return cls(html, gzip.compress(html.encode(), compresslevel=6))


class PageCache:
    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key, render) -> CachedPage:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = CachedPage.of(render())
        with self._lock:
            self._pages[key] = page
            if len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return page
