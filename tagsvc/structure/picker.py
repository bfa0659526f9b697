"""A form field for choosing a place or a category from a tree of thousands: type part of the path, pick it.

It renders a text box showing the full path (本部校区 › 教学楼 › 3F › 301) and a hidden id. With JavaScript
(static/structure/picker.js) typing asks /pick/<tree> for matching paths and a tap sets the id; without it, the
typed text is resolved on the server, and a text that matches several places gets a message naming some.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.validators import ValidationError

from tagsvc.errors import ValidationError as DomainValidationError
from tagsvc.structure.models import Category, Location
from tagsvc.structure.services import resolve_tree_choice

TREES = {"locations": Location, "categories": Category}
TEXT_SUFFIX = "-path"


class TreePickerWidget:
    def __call__(self, field: TreePickerField, **kwargs) -> Markup:
        from flask import url_for
        from flask_babel import gettext as _

        node = field.chosen_node()
        text = field.typed_text if field.typed_text is not None else (node.full_name if node is not None else "")
        kwargs.setdefault("id", field.id)
        # Texts are looked up outside the f-strings below: the message extractor does not see into an f-string, and a
        # text it never saw stays English on Chinese pages.
        example = _("Type part of the name, e.g. 301") if field.tree_name == "locations" else _("Type part of the name, e.g. 课桌椅")
        kwargs.setdefault("placeholder", example)
        nothing = _("Nothing matches. Type another part of the name.")
        attributes = " ".join(f'{key}="{escape(value)}"' for key, value in kwargs.items() if key != "class")
        return Markup(
            f'<div class="picker" data-picker-url="{escape(url_for("structure_pick.pick", tree_name=field.tree_name))}" '
            f'data-empty="{escape(nothing)}">'
            f'<input type="hidden" name="{escape(field.name)}" value="{node.id if node is not None else ""}">'
            f'<input type="search" name="{escape(field.name + TEXT_SUFFIX)}" value="{escape(text)}" autocomplete="off" '
            f'enterkeyhint="search" {attributes}>'
            f'<ul class="picker-results" role="listbox" hidden></ul></div>'
        )


class TreePickerField(Field):
    """Its data is the chosen node's id (or None)."""

    widget = TreePickerWidget()

    def __init__(self, label=None, validators=None, tree_name: str = "locations", **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.tree_name = tree_name
        self.model = TREES[tree_name]
        self.node = None
        self.typed_text: str | None = None

    def use_tree(self, tree_name: str) -> None:
        """For a form that serves either tree (the office's page for a new place or category)."""
        self.tree_name, self.model, self.node = tree_name, TREES[tree_name], None

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None and self.name + TEXT_SUFFIX in formdata:
            self.typed_text = formdata.get(self.name + TEXT_SUFFIX, "")

    def process_formdata(self, valuelist) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = int(raw) if raw.isdigit() else None

    def chosen_node(self):
        """The node the field's data names (data may be set by a view after the form was built)."""
        from tagsvc.extensions import db

        if self.data is None:
            return None
        if self.node is None or self.node.id != self.data:
            self.node = db.session.get(self.model, self.data)
        return self.node

    def pre_validate(self, form) -> None:
        if self.typed_text is None:
            return
        try:
            self.node = resolve_tree_choice(self.model, self.data, self.typed_text)
        except DomainValidationError as error:
            self.node = None
            self.data = None
            raise ValidationError(error.message) from None
        self.data = self.node.id if self.node is not None else None
        self.typed_text = None

    def _value(self) -> str:
        return str(self.data) if self.data is not None else ""
