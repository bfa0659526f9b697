"""Headers every answer carries: no page of tagsvc may be framed (the one-button approvals could be clicked from
another site's invisible frame), no answer is sniffed into another type, no address with a label code or a token
leaves for another site in a Referer, and the Content-Security-Policy allows only what the pages load: the school's
own server. Inline scripts run only with the request's nonce; the scanner's decoder needs 'wasm-unsafe-eval'."""
from __future__ import annotations

import secrets

from flask import Flask, g
from markupsafe import Markup

FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def content_security_policy(nonce: str | None = None) -> str:
    scripts = "'self' 'wasm-unsafe-eval'" + (f" 'nonce-{nonce}'" if nonce else "")
    return ("default-src 'self'; "
            f"script-src {scripts}; "
            # The scan page inlines its stylesheet (one request on a slow phone); some print pages set their @page.
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def headers_for(nonce: str | None = None) -> list[tuple[str, str]]:
    """All of them, for an answer made outside Flask (the scan page's fast path)."""
    return [*FIXED_HEADERS.items(), ("Content-Security-Policy", content_security_policy(nonce))]


def csp_nonce() -> str:
    """For a template's inline <script nonce="…">: made once per request, named in that answer's policy."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def print_script() -> Markup:
    """What makes the print pages' "Print" buttons ([data-print]) print: no inline handler runs under the policy."""
    return Markup(f'<script nonce="{csp_nonce()}">document.addEventListener("click", function (event) {{'
                  ' if (event.target.closest && event.target.closest("[data-print]")) {{ window.print(); }} }});</script>')


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(csp_nonce=csp_nonce, print_script=print_script)

    @app.after_request
    def add_security_headers(response):
        for name, value in headers_for(g.get("csp_nonce")):
            response.headers.setdefault(name, value)
        return response
