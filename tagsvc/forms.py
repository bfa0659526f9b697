"""Form pieces shared by several features."""
from __future__ import annotations

from flask_wtf import FlaskForm


def optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class ConfirmForm(FlaskForm):
    """A button that changes something: carries the CSRF token and nothing else."""
