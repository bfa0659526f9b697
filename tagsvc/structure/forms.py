from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tagsvc.structure.picker import TreePickerField
from tagsvc.structure.display import DEPARTMENT_KIND_LABELS


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[(k.value, _l(label)) for k, label in DEPARTMENT_KIND_LABELS.items()])
    code = StringField(_l("Code"), validators=[Length(max=40)])
    keeper_ids = SelectMultipleField(_l("Asset keepers"), coerce=int)


class TreeNodeForm(FlaskForm):
    """A location or a category: a name somewhere in a tree, with a kind."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    parent_id = TreePickerField(_l("Inside (empty: top level)"))  # the view says which tree
    kind = SelectField(_l("Kind"))
    code = StringField(_l("Code"), validators=[Length(max=40)])
    min_years_of_use = IntegerField(_l("Minimum years of use before disposal (empty: as the parent category)"),
                                    validators=[Optional(), NumberRange(min=1, max=100)])
