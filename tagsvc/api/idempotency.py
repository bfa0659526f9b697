"""Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for the API's creating operations.

A phone in a dorm basement sends a request, loses the answer, and sends it again: with the same key, the work is
done once and the second request gets the first one's answer. The same key with another body is a mistake (422);
a second request while the first is still being answered waits its turn (409). Keys are per person and kept a day.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import wraps

from flask import make_response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tagsvc.api.models import IdempotentRequest
from tagsvc.errors import InFlightError, ConflictError, ValidationError
from tagsvc.extensions import db, utcnow

KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")

KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "Any unique string (a UUID). Sending the same request again with the same key does the work once "
                   "and gives the first answer again (header Idempotent-Replayed: true). Kept for 24 hours.",
}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), request.get_data(cache=True)):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _valid_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(_("The Idempotency-Key header must be 1 to %(n)d printable characters.", n=MAX_KEY_LENGTH))
    return key


def _claim(key: str, fingerprint: str) -> IdempotentRequest | None:
    """Our claim on the key, or None when an earlier request holds it (then `_earlier` answers)."""
    db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < utcnow() - KEPT_FOR))
    claim = IdempotentRequest(user_id=current_user.id, key=key, fingerprint=fingerprint)
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:  # the unique (person, key) index: someone got there first, perhaps a moment ago
        db.session.rollback()
        return None
    return claim


def _earlier(key: str, fingerprint: str):
    earlier = db.session.scalar(select(IdempotentRequest).where(IdempotentRequest.user_id == current_user.id, IdempotentRequest.key == key))
    if earlier is None:  # it failed and let go of the key in between: the caller may simply try again
        raise ConflictError(_("A request with this Idempotency-Key has just ended without an answer. Send it again."))
    if earlier.fingerprint != fingerprint:
        raise ValidationError(_("This Idempotency-Key was already used for a different request. Use a new key for a new request."))
    if earlier.status_code is None:
        raise InFlightError(_("The first request with this Idempotency-Key is still being answered. Try again in a moment."))
    response = make_response(earlier.response_body or "", earlier.status_code)
    for name, value in earlier.response_headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Wrap a creating API view (outside its schema decorators, inside the route) to honour Idempotency-Key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        raw_key = request.headers.get("Idempotency-Key")
        if raw_key is None or not current_user.is_authenticated:
            return view(*args, **kwargs)  # without a key (or a person to keep it for), every request is new
        key, fingerprint = _valid_key(raw_key), _fingerprint()
        claim = _claim(key, fingerprint)
        if claim is None:
            return _earlier(key, fingerprint)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _let_go(claim.id)
            raise
        if response.status_code >= 500:
            _let_go(claim.id)
            return response
        claim.status_code = response.status_code
        claim.response_body = response.get_data(as_text=True)
        claim.response_headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        db.session.add(claim)
        db.session.commit()
        return response

    wrapper._apidoc = {**getattr(view, "_apidoc", {})}
    manual = wrapper._apidoc.setdefault("manual_doc", {})
    manual["parameters"] = [*manual.get("parameters", []), KEY_PARAMETER]
    return wrapper


def _let_go(claim_id: int) -> None:
    """The request failed: forget the claim, so that sending it again does the work."""
    db.session.rollback()
    db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.id == claim_id))
    db.session.commit()
