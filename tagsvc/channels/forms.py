from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from tagsvc.stocktake.forms import CheckboxesField


class ChannelForm(FlaskForm):
    name = StringField(_l("Name (the group's)"), validators=[DataRequired(message=_l("Give the channel a name.")), Length(max=100)])
    kind = SelectField(_l("Robot"), choices=[("wecom", _l("WeCom group robot (企业微信)")), ("dingtalk", _l("DingTalk custom robot (钉钉)"))])
    url = StringField(_l("Webhook address"), validators=[DataRequired(message=_l("Paste the robot's webhook address.")), Length(max=500)])
    secret = StringField(_l("Signing secret (DingTalk only, starts with SEC)"), validators=[Length(max=200)])
    events = CheckboxesField(_l("News this group hears of"))
    department_ids = CheckboxesField(_l("Only these departments' items (none ticked: the whole school)"), coerce=int)
    quiet_from = IntegerField(_l("Quiet from (hour)"), default=22, validators=[NumberRange(0, 23)])
    quiet_until = IntegerField(_l("Quiet until (hour)"), default=7, validators=[NumberRange(0, 23)])
