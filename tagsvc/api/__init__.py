"""The JSON API, /api/v1: the same services as the pages, for the pages' own scripts and for other programs.

This package holds what every feature's API shares: the OpenAPI document, who is asking (a personal token or the
session), request limits, Idempotency-Key, problem details. Each feature's operations live beside its pages
(`tagsvc/<feature>/api.py`).
"""
from __future__ import annotations

from http import HTTPStatus

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from tagsvc.api.limits import RequestLimits, count_request
from tagsvc.api.problems import PROBLEM_TYPE, ProblemSchema
from tagsvc.api.tokens import authenticate_token
from tagsvc.clients import client_fingerprint
from tagsvc.errors import AuthenticationError, PermissionDeniedError
from tagsvc.extensions import csrf

API_PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEARER = [{"bearerAuth": []}]
BEARER_OR_ANONYMOUS = [{}, {"bearerAuth": []}]
# Operations anyone may call without a token (what a label's public page shows). Everything else answers 401 to
# an anonymous caller before it looks at what was sent.
PUBLIC_ENDPOINTS = frozenset({"scanning_api.look_up"})

API_DESCRIPTION = """\
tagsvc's register, labels and repairs for programs: the same rules and permissions as the pages.

Send a personal token (made on your account page, or by the office with `tagsvc token create`) as
`Authorization: Bearer <token>`. A token acts exactly as its person; a read-only one may only read.
Errors are `application/problem+json` (RFC 9457). Creating operations take an `Idempotency-Key` header;
changing an asset needs `If-Match` with the `ETag` it was read with.
"""


class TagsvcApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """tagsvc.errors answers for the whole app, and with problem details under /api/."""

    def _register_responses(self) -> None:
        # flask-smorest's own, with the content type our errors really have.
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as problem details (RFC 9457).", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_api(app: Flask) -> TagsvcApi:
    from tagsvc.api import views
    from tagsvc.assets import api as assets
    from tagsvc.labels import api as labels
    from tagsvc.repairs import api as repairs
    from tagsvc.scanning import api as scanning
    from tagsvc.stocktake import api as stocktake
    from tagsvc.structure import api as structure
    from tagsvc.transfers import api as transfers
    from tagsvc.loans import api as loans
    from tagsvc.disposals import api as disposals
    from tagsvc.channels import api as channels
    from tagsvc.inspections import api as inspections

    app.config.update(API_TITLE="tagsvc", API_VERSION="1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX=API_PREFIX,
                      OPENAPI_JSON_PATH="openapi.json")
    api = TagsvcApi(app, spec_kwargs={"info": {"description": API_DESCRIPTION}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "A personal API token (tgs_…)."})
    names = set()
    for feature in (scanning, assets, structure, repairs, labels, stocktake, transfers, loans, disposals, channels, inspections):
        csrf.exempt(feature.blp)  # checked in authenticate_api_request, for the session only
        api.register_blueprint(feature.blp)
        names.add(feature.blp.name)

    @app.before_request
    def authenticate_api_requests() -> None:
        if request.blueprint in names:
            authenticate_api_request()
    app.teardown_request(_forget_token_person)
    app.extensions["tagsvc_api"] = api
    app.extensions["api_limits"] = RequestLimits(app)
    app.register_blueprint(views.bp)
    return api


def authenticate_api_request() -> None:
    """Who is asking: a bearer token (which then wins over any session cookie) or the session of the pages' own
    scripts (with the CSRF token in the X-CSRFToken header for changes). Counts the request against the limit."""
    request.max_content_length = _max_body()  # a larger body (even one sent in chunks) is refused with 413
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _space, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(_("Send your token as the header \"Authorization: Bearer <token>\"."))
        token = authenticate_token(secret.strip())
        g._login_user = token.user  # Flask-Login's current_user is this person for this request only
        g.api_token = token
        count_request(f"token:{token.id}", anonymous=False)
        if token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDeniedError(_("This token is read-only. Make a read-write token to change things."))
    elif current_user.is_authenticated:
        count_request(f"user:{current_user.id}", anonymous=False)
        if request.method not in SAFE_METHODS:
            csrf.protect()
    else:
        count_request("client:" + client_fingerprint(request.remote_addr or ""), anonymous=True)
        if request.endpoint not in PUBLIC_ENDPOINTS:
            raise AuthenticationError(_("Send a personal token as the header \"Authorization: Bearer <token>\" (make one on your account page)."))


def _forget_token_person(_error) -> None:
    # g outlives the request when an app context was already pushed (a CLI command, a test): the token's
    # person must not carry over to the next request.
    if "api_token" in g:
        g.pop("api_token")
        g.pop("_login_user", None)


def _max_body() -> int:
    return current_app.config["API_MAX_BODY_BYTES"]
