"""Personal API tokens: made by their person (or by the office on the command line), shown once, kept hashed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tagsvc.accounts.models import User
from tagsvc.accounts.permissions import require_signed_in
from tagsvc.api.models import ApiToken
from tagsvc.errors import AuthenticationError, NotFoundError, ValidationError
from tagsvc.extensions import db, utcnow

TOKEN_PREFIX = "tgs_"
MAX_ACTIVE_TOKENS = 20
# Writing the time of last use on every request would turn each read into a write; once a minute is enough
# for a person to see whether a token is still in use.
LAST_USED_PRECISION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a fast hash cannot be reversed by guessing, unlike a password's.
    return hashlib.sha256(secret.encode()).hexdigest()


def _make_token(user: User, name: str, read_only: bool) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name that says what uses it, e.g. \"stocktake scanner\"."))
    if len(name) > 100:
        raise ValidationError(_("A token's name can have at most 100 characters."))
    active = db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(_("You already have %(n)d tokens. Revoke one you no longer use first.", n=MAX_ACTIVE_TOKENS))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, secret_hash=_hash(secret), prefix=secret[:10], read_only=read_only)
    db.session.add(token)
    db.session.commit()
    return token, secret


def create_token(actor, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new token for the person signed in, and its secret, which is never shown again."""
    require_signed_in(actor)
    return _make_token(actor, name, read_only)


def create_token_for(username: str, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """For the command line (the office on the server, making a token for a script or another system)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None or not user.active:
        raise NotFoundError(_("There is no active account %(name)s.", name=username))
    return _make_token(user, name, read_only)


def tokens_of(actor) -> list[ApiToken]:
    require_signed_in(actor)
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(actor, token_id: int) -> ApiToken:
    require_signed_in(actor)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFoundError(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate_token(secret: str) -> ApiToken:
    """The active token with this secret, its time of last use brought up to date; else AuthenticationError."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == _hash(secret or ""))) if secret.startswith(TOKEN_PREFIX) else None
    if token is None:
        raise AuthenticationError(_("This token is not known. Check that it was copied whole, or make a new one on your account page."))
    if token.revoked_at is not None:
        raise AuthenticationError(_("This token was revoked. Make a new one on your account page."))
    if not token.user.active:
        raise AuthenticationError(_("The account of this token is deactivated."))
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
        token.last_used_at = now
    return token
