"""Who is asking, as far as rate limits need to know: a keyed hash of the client's address, enough to count
its requests and useless for finding the person (the raw address is never stored)."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def client_fingerprint(remote_address: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (remote_address or "").encode(), hashlib.sha256).hexdigest()
