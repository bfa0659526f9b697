"""Form pieces shared by several features."""
from __future__ import annotations

from flask_wtf import FlaskForm


def optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def uploaded_bytes(field) -> list[bytes]:
    """The files a (multiple) file field carries, read; empty choices skipped."""
    return [f.read() for f in (field.data or []) if getattr(f, "filename", "")]


class ConfirmForm(FlaskForm):
    """A button that changes something: carries the CSRF token and nothing else."""
