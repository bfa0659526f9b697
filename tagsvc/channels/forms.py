from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tagsvc.stocktake.forms import CheckboxesField


class ChannelForm(FlaskForm):
    name = StringField(_l("Name (the group's)"), validators=[DataRequired(message=_l("Give the channel a name.")), Length(max=100)])
    kind = SelectField(_l("Robot"), choices=[("wecom", _l("WeCom group robot (企业微信)")), ("dingtalk", _l("DingTalk custom robot (钉钉)")),
                                             ("email", _l("Email list"))])
    url = StringField(_l("Webhook address (for an email list: the addresses, separated by commas)"),
                      validators=[DataRequired(message=_l("Paste the robot's webhook address, or write the list's email addresses.")), Length(max=500)])
    secret = StringField(_l("Signing secret (DingTalk only, starts with SEC)"), validators=[Length(max=200)])
    events = CheckboxesField(_l("News this group hears of"))
    department_ids = CheckboxesField(_l("Only these departments' items (none ticked: the whole school)"), coerce=int)
    quiet_from = IntegerField(_l("Quiet from (hour)"), default=22, validators=[NumberRange(0, 23)])
    quiet_until = IntegerField(_l("Quiet until (hour)"), default=7, validators=[NumberRange(0, 23)])


class EditChannelForm(ChannelForm):
    """The same, its kind fixed; the address and secret are never shown back: left empty, they stay as they are."""

    url = StringField(_l("New webhook address (empty: keep the one it has)"), validators=[Optional(), Length(max=500)])
    secret = StringField(_l("New signing secret (empty: keep the one it has)"), validators=[Length(max=200)])
    active = BooleanField(_l("Sending (untick to pause: news waits and goes when ticked again)"), default=True)
