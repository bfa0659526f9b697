from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from tagsvc.accounts.display import SCHOOL_ROLES


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[(r.value, _l(label)) for r, label in SCHOOL_ROLES.items()])
    department_ids = SelectMultipleField(_l("Departments kept (keepers only)"), coerce=int)
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    email = StringField(_l("Email"), validators=[Length(max=200)])
    active = BooleanField(_l("Account is active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8, max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    repeat = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))])
