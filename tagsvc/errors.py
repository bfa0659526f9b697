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


class TooManyRequestsError(TagsvcError):
    """Someone (or a script) is trying too often; the message says when to try again."""

    status_code = 429


def show_refusal(error: TagsvcError) -> int:
    """In a view, after a service said no: undo what the request changed, tell the person why (a flash message
    on the page shown next), and return the status code for that page."""
    from flask import flash

    from tagsvc.extensions import db

    db.session.rollback()
    flash(error.message, "error")
    return error.status_code


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, message: str):
    if _wants_json():
        return jsonify(error=message, status=status), status
    template = f"errors/{status}.html" if status in (400, 403, 404, 409, 413, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(TagsvcError)
    def handle_domain_error(error: TagsvcError):
        return _render(error.status_code, error.message)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        return _render(400, _("The form expired or was sent from another page. Please go back, reload it and try again."))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have permission to do that."),
            404: _("There is nothing at this address."),
            405: _("That action is not allowed here."),
            413: _("The upload is too large."),
        }
        return _render(error.code or 500, messages.get(error.code, error.description or ""))

    @app.errorhandler(500)
    def handle_server_error(error):
        return _render(500, _("Something went wrong on our side. Please try again in a moment."))
