"""Errors as RFC 9457 problem details (application/problem+json), for every answer under /api/."""
from __future__ import annotations

import json
from http import HTTPStatus

import marshmallow as ma
from flask import current_app, request

PROBLEM_TYPE = "application/problem+json"


class ProblemSchema(ma.Schema):
    """An error: what went wrong in words a person can act on, and for a rejected body, each field's errors."""

    type = ma.fields.String(metadata={"description": "Always about:blank: the status says what kind of problem it is."})
    title = ma.fields.String(metadata={"description": "The HTTP status phrase."})
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "What went wrong, in the language asked for (Accept-Language)."})
    instance = ma.fields.String(metadata={"description": "The path that was asked for."})
    errors = ma.fields.Dict(metadata={"description": "For a rejected request: its errors by location (json, query, "
                                                     "headers) and field."})
    current = ma.fields.Dict(metadata={"description": "For 412: the resource as it is now, with its version."})


def problem_response(status: int, detail: str, errors: dict | None = None, headers: dict | None = None, current: dict | None = None):
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = errors
    if current is not None:
        body["current"] = current
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tagsvc"'
    return response
