"""What a person can type, checked once at the request's boundary: no control characters (PostgreSQL refuses NUL,
no keyboard sends the others) and no bidirectional override characters (they make a label read "…exe.jpg" backwards)
in any query string, form field, file name or path. The API's JSON fields have the same rule in their schemas
(api/schemas.py); this covers everything else, so that no form, search or picker meets the database with them."""
from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import gettext as _

from tagsvc.errors import ValidationError

# Tabs and line breaks are typed into text areas; the rest of C0, DEL, lone surrogates and the bidi overrides are not.
UNTYPABLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
UNTYPABLE_IN_A_LINE = re.compile("[\u0000-\u001f\u007f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


DIRECTION_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_direction_overrides(value):
    """For every value a template writes: text without bidirectional overrides (Markup stays Markup)."""
    if isinstance(value, str) and DIRECTION_OVERRIDES.search(value):
        return type(value)(DIRECTION_OVERRIDES.sub("", value))
    return value


def has_untypable(text: str, one_line: bool = False) -> bool:
    return bool((UNTYPABLE_IN_A_LINE if one_line else UNTYPABLE).search(text))


def refuse_untypable_input() -> None:
    """A before_request check: a clear 400 (422 on the API) for any such character, before a view reads anything."""
    if has_untypable(request.path, one_line=True):
        raise ValidationError(_("The address contains characters that cannot be typed. Check the link and try again."))
    for key, value in request.args.items(multi=True):
        if has_untypable(key, one_line=True) or has_untypable(value, one_line=True):
            raise ValidationError(_("The search or filter contains characters that cannot be typed (control or direction-override "
                                    "characters). Remove them and try again."))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if has_untypable(key, one_line=True) or has_untypable(value):
                raise ValidationError(_("A field contains characters that cannot be typed (control or direction-override characters). "
                                        "Remove them and send the form again."))
        for upload in request.files.values():
            if upload.filename and has_untypable(upload.filename, one_line=True):
                raise ValidationError(_("A file's name contains characters that cannot be typed. Rename the file and try again."))


def init_app(app: Flask) -> None:
    app.before_request(refuse_untypable_input)
