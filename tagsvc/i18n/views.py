from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, abort, has_request_context, redirect, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

bp = Blueprint("i18n", __name__)

LANGUAGES = {"zh": "中文", "en": "English"}
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    from tagsvc.schools.web import default_language

    default = default_language()
    if not has_request_context():  # the command line and services called directly
        return default if default in LANGUAGES else "zh"
    return language_for(request.cookies.get(COOKIE), request.headers.get("Accept-Language", ""), default)


def language_for(chosen: str | None, accept_language: str, default: str) -> str:
    """A person's choice (the cookie) first, then the browser's languages, then the school's default."""
    if chosen in LANGUAGES:
        return chosen
    return _best_language(accept_language, default if default in LANGUAGES else "zh")


@lru_cache(maxsize=512)
def _best_language(accept_language: str, default: str) -> str:
    # Phones send a handful of distinct headers; parsing one on every scan is wasted work.
    return parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES.keys(), default=default)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only ever send people back to a page of this site."""
    if not target:
        return fallback
    # Browsers drop tabs and line breaks inside an address ("/\t/evil.example" is "//evil.example" to them) and read
    # a backslash as a slash: any of those, or any other space or control character, is not a page of this site.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7f for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/lang/<code>")
def switch(code: str):
    if code not in LANGUAGES:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
