from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class AttachLabelForm(FlaskForm):
    asset_number = StringField(_l("Asset number of the item"), validators=[DataRequired(), Length(max=64)])
