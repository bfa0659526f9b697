from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length


class SeasonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the season a name.")), Length(max=200)])
    deadline = DateField(_l("Every school closes its stocktake by"), validators=[DataRequired(message=_l("Give a deadline."))])
