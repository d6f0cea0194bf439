"""WTForms for the console; every form carries the CSRF token (Flask-WTF).

Labels are lazy translations: the forms are defined at import, their words are read in the page's language.
WTForms' own validation messages come translated by Flask-WTF (WTF_I18N_ENABLED).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from console.access import ROLE_LABELS, ROLES


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class ActionForm(FlaskForm):
    """A bare action button (sign, report in, take over): only the CSRF token."""


class NoteForm(FlaskForm):
    """Free text for a note, contact record, resolution, return reason or reopen reason."""

    text = TextAreaField(_l("Text"), validators=[Optional(), Length(max=4000)])
    override_reason = StringField(_l("Override reason"), validators=[Optional(), Length(max=1000)])


class ClassifyForm(FlaskForm):
    """A new service code (and optionally kind)."""

    service_code = SelectField(_l("Service code"), validators=[DataRequired()], validate_choice=False)
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=False)


class DispatchForm(FlaskForm):
    """Where a ticket goes: 'township:CODE' or 'department:CODE'."""

    unit = SelectField(_l("Unit"), validators=[DataRequired()], validate_choice=False)
    text = TextAreaField(_l("Note or reason"), validators=[Optional(), Length(max=4000)])


class WhistleForm(FlaskForm):
    """Departments to summon, each with its own request (parallel lists)."""

    departments = SelectMultipleField(_l("Departments"), validate_choice=False)
    requests = TextAreaField(_l("Requests"), validators=[Optional()])


class MergeForm(FlaskForm):
    """The master ticket's reference."""

    master = StringField(_l("Master reference"), validators=[DataRequired(), Length(max=16)])


class SmsForm(FlaskForm):
    """An SMS to the citizen, through the outbox."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=670)])
    nonce = HiddenField()


class CallbackForm(FlaskForm):
    """A callback the hotline promises the citizen."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    window_start = StringField(_l("From (HH:MM)"), validators=[Optional(), Regexp(r"^\d\d:\d\d$")])
    window_end = StringField(_l("To (HH:MM)"), validators=[Optional(), Regexp(r"^\d\d:\d\d$")])
    nonce = HiddenField()


class OpenTicketForm(FlaskForm):
    """A ticket opened by the agent from a live chat or a call."""

    text = TextAreaField(_l("What the citizen reports"), validators=[DataRequired(), Length(max=4000)])
    location = StringField(_l("Where"), validators=[Optional(), Length(max=400)])
    service_code = SelectField(_l("Service code"), validators=[Optional()], validate_choice=False)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])


class ReplyForm(FlaskForm):
    """One chat reply."""

    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=2000)])


class UserForm(FlaskForm):
    """A new console user."""

    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(min=2, max=64), Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("letters, digits, _ . -"))])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    role = SelectField(_l("Role"), choices=options((r, ROLE_LABELS[r]) for r in ROLES), validators=[DataRequired()])
    unit = SelectField(_l("Unit"), validators=[Optional()], validate_choice=False)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=256)])


class UserEditForm(FlaskForm):
    """Role, unit, active flag and an optional new password for an existing user."""

    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    role = SelectField(_l("Role"), choices=options((r, ROLE_LABELS[r]) for r in ROLES), validators=[DataRequired()])
    unit = SelectField(_l("Unit"), validators=[Optional()], validate_choice=False)
    active = BooleanField(_l("Active"))
    password = PasswordField(_l("New password"), validators=[Optional(), Length(min=10, max=256)])
    reset_totp = BooleanField(_l("Reset the second factor (admins)"))


class TotpForm(FlaskForm):
    """A six-digit code from the authenticator app."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=6, max=8)])
