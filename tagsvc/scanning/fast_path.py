"""The anonymous scan page straight from the page cache, in front of Flask.

Most scans come from phones that have never signed in, and a label is scanned again and again. For such a request
(GET /t/<code> or /T/<code> without a query string, and no session or remember-me cookie) whose page is already
in the cache, this WSGI middleware answers with the cached bytes, without a Flask request: no request context,
session, sign-in or template work, which cost more than the page's one query. The facts are read afresh on every
request and the cache key is everything the page shows (page_cache.page_key), so the answer is byte for byte the
one the Flask view gives. Everything else, every cache miss and any error goes on to Flask as usual.
"""
from __future__ import annotations

from werkzeug.http import parse_accept_header, parse_cookie

from tagsvc.schools.web import cached_school_settings
from tagsvc.i18n.views import COOKIE as LANGUAGE_COOKIE
from tagsvc.i18n.views import language_for
from tagsvc.scanning.page_cache import page_key
from tagsvc.scanning.services import scan_facts

SCAN_PREFIXES = ("/t/", "/T/")
FACTS_KEY = "tagsvc.scan_facts"  # facts read here ride along to the Flask view on a cache miss


class ScanPageFastPath:
    def __init__(self, app, next_wsgi_app) -> None:
        self.app = app
        self.next_wsgi_app = next_wsgi_app
        self.sign_in_cookies = (app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path[:3] in SCAN_PREFIXES and environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING"):
            try:
                answer = self._cached_answer(environ, path)
            except Exception:  # noqa: BLE001 - Flask handles (and reports) whatever went wrong
                answer = None
            if answer is not None:
                body, headers = answer
                start_response("200 OK", headers)
                return [body]
        return self.next_wsgi_app(environ, start_response)

    def _cached_answer(self, environ, path: str):
        cookies = parse_cookie(environ) if environ.get("HTTP_COOKIE") else {}
        if any(name in cookies for name in self.sign_in_cookies):
            return None
        facts = scan_facts(path[3:])
        environ[FACTS_KEY] = facts
        if facts is None:
            return None
        # The label's school's default language, when this process has read it (its pages do, every minute).
        settings = cached_school_settings(self.app, facts.school_id)
        default = (settings.default_language if settings is not None else "") or self.app.config["DEFAULT_LANGUAGE"]
        language = language_for(cookies.get(LANGUAGE_COOKIE), environ.get("HTTP_ACCEPT_LANGUAGE", ""), default)
        page = self.app.extensions["scan_page_cache"].get(page_key(facts, language, path, b""))
        if page is None:
            return None
        return page.response(gzip_accepted="gzip" in parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING", "")))
