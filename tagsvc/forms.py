"""Form pieces shared by several features."""
from __future__ import annotations

from flask_wtf import FlaskForm


def optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def tree_choices(pairs, blank_label: str) -> list[tuple[str, str]]:
    """Options for a tree (locations, categories), indented so the hierarchy shows in a plain <select>."""
    return [("", blank_label)] + [(str(node.id), "\u3000" * depth + node.name) for depth, node in pairs]


class ConfirmForm(FlaskForm):
    """A button that changes something: carries the CSRF token and nothing else."""
