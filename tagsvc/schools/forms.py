from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional


class SchoolSettingsForm(FlaskForm):
    fixed_asset_threshold = IntegerField(_l("Fixed-asset threshold (元, unit value; empty: the installation's)"),
                                         validators=[Optional(), NumberRange(min=1, max=10_000_000,
                                                                             message=_l("A whole number of yuan from 1 to 10,000,000."))])
    default_language = SelectField(_l("Default language of its pages and group messages"))
