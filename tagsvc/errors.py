"""Domain errors, and the handlers that turn them (and HTTP errors) into pages or JSON."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class TagsvcError(Exception):
    """A request that cannot be done; the message is meant for the person who asked."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(TagsvcError):
    status_code = 400


class NotFoundError(TagsvcError):
    status_code = 404


class PermissionDeniedError(TagsvcError):
    status_code = 403


class ConflictError(TagsvcError):
    status_code = 409


class InFlightError(ConflictError):
    """The same request (a retry, the same batch sent twice) is being answered right now: sent again in a moment, it
    gets the first one's answer. Retryable: the answer carries Retry-After."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthenticationError(TagsvcError):
    """The request says who it is, and that cannot be checked (an unknown or revoked token)."""

    status_code = 401


class PreconditionFailedError(TagsvcError):
    """A change based on a version that is no longer the current one; `current` is what is there now."""

    status_code = 412

    def __init__(self, message: str, current=None) -> None:
        super().__init__(message)
        self.current = current


class PreconditionRequiredError(TagsvcError):
    """A change that must name the version it was based on, and did not."""

    status_code = 428


class TooManyRequestsError(TagsvcError):
    """Someone (or a script) is trying too often; the message says when to try again."""

    status_code = 429

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def show_refusal(error: TagsvcError) -> int:
    """In a view, after a service said no: undo what the request changed, tell the person why (a flash message
    on the page shown next), and return the status code for that page."""
    from flask import flash

    from tagsvc.extensions import db

    db.session.rollback()
    flash(error.message, "error")
    return error.status_code


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _wants_json() -> bool:
    if _is_api():
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, message: str, *, errors: dict | None = None, headers: dict | None = None, current: dict | None = None):
    if _is_api():
        from tagsvc.api.problems import problem_response

        return problem_response(status, message, errors=errors, headers=headers, current=current)
    if _wants_json():
        return jsonify(error=message, status=status), status
    template = f"errors/{status}.html" if status in (400, 403, 404, 409, 413, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status, headers or {}


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(TagsvcError)
    def handle_domain_error(error: TagsvcError):
        from flask_login import current_user

        status = error.status_code
        if _is_api():
            if status == 403 and not current_user.is_authenticated:
                status = 401  # a program that sent no token is told to send one, not that it may never
            elif status == 400:
                status = 422  # the request was understood; what it asks breaks a rule of the register
        headers = {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else None
        current = getattr(error, "current", None)
        return _render(status, error.message, headers=headers, current=current)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        # The services check names and numbers before writing; two requests at the same moment can both pass that
        # check, and then the database's unique index refuses the second. Say so instead of failing.
        from tagsvc.extensions import db

        db.session.rollback()
        return _render(409, _("That name or number was taken at the same moment by another change. Reload and try again."))

    @app.errorhandler(StaleDataError)
    def handle_concurrent_change(error: StaleDataError):
        from tagsvc.extensions import db

        db.session.rollback()
        return _render(409, _("Someone else changed this at the same moment. Reload it, check, and try again."))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        if _is_api():
            return _render(403, _("A change made with the session needs the page's CSRF token in the X-CSRFToken header; programs use a token instead."))
        return _render(400, _("The form expired or was sent from another page. Please go back, reload it and try again."))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            401: _("Please sign in, or send a token."),
            403: _("You do not have permission to do that."),
            404: _("There is nothing at this address."),
            405: _("That action is not allowed here."),
            413: _("The upload is too large."),
            415: _("Send the body as JSON (Content-Type: application/json)."),
            422: _("Some of what was sent is not right; see errors."),
        }
        status = error.code or 500
        headers = {}
        if status == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        data = getattr(error, "data", None) or {}  # webargs' rejected fields, by location
        errors = data.get("messages") or data.get("errors")
        if isinstance(errors, dict) and "json" in errors and errors["json"] == ["Invalid JSON body."]:
            return _render(400, _("The body is not valid JSON."), headers=headers)
        return _render(status, messages.get(status, error.description or ""), errors=errors, headers=headers)

    @app.errorhandler(500)
    def handle_server_error(error):
        from tagsvc.extensions import db

        db.session.rollback()  # whatever failed, the next use of this session must not inherit it
        return _render(500, _("Something went wrong on our side. Please try again in a moment."))
