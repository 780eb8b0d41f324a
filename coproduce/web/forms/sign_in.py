"""allauth's sign-in forms with bounds on what may be typed (ACCOUNT_FORMS and MFA_FORMS in the
settings), and the forms of our own ways in: a code from a sign-in letter, and choosing a password.

An overlong value is a form error like any other, before anything is looked up or hashed (a
50,001-character login used to reach the database and fail there with a 500)."""

from __future__ import annotations

import copy

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from coproduce.core import limits


def bound(form_or_fields, bounds: dict[str, int]) -> None:
    """Give fields made by someone else (allauth) a maximum length, checked and shown."""
    fields = form_or_fields.fields if isinstance(form_or_fields, forms.BaseForm) else form_or_fields
    for name, limit in bounds.items():
        field = fields.get(name)
        if field is None or getattr(field, "max_length", None) == limit:
            continue
        field.max_length = limit  # type: ignore[union-attr]
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)


def bounded(**bounds: int):
    """A subclass of an allauth form whose fields have these limits: the fields declared on the
    class (bounded once, on copies, so allauth's own classes are untouched) and those allauth
    adds in __init__ (the login field)."""

    def decorate(cls):
        cls.base_fields = copy.deepcopy(cls.base_fields)
        bound(cls.base_fields, bounds)
        original_init = cls.__init__

        def __init__(self, *args, **kwargs) -> None:
            original_init(self, *args, **kwargs)
            bound(self, bounds)

        cls.__init__ = __init__
        return cls

    return decorate


@bounded(login=limits.LOGIN, password=limits.PASSWORD)
class SignInForm(account_forms.LoginForm):
    pass


@bounded(email=limits.EMAIL)
class ResetPasswordForm(account_forms.ResetPasswordForm):
    pass


@bounded(password1=limits.PASSWORD, password2=limits.PASSWORD)
class ResetPasswordKeyForm(account_forms.ResetPasswordKeyForm):
    pass


@bounded(oldpassword=limits.PASSWORD, password1=limits.PASSWORD, password2=limits.PASSWORD)
class ChangePasswordForm(account_forms.ChangePasswordForm):
    pass


@bounded(password1=limits.PASSWORD, password2=limits.PASSWORD)
class SetPasswordForm(account_forms.SetPasswordForm):
    pass


@bounded(password=limits.PASSWORD)
class ReauthenticateForm(account_forms.ReauthenticateForm):
    pass


@bounded(code=limits.MFA_CODE)
class MfaAuthenticateForm(mfa_forms.AuthenticateForm):
    pass


@bounded(code=limits.MFA_CODE)
class MfaReauthenticateForm(mfa_forms.ReauthenticateForm):
    pass


@bounded(code=limits.MFA_CODE)
class ActivateTotpForm(totp_forms.ActivateTOTPForm):
    pass


# Our own ways in ------------------------------------------------------------------------------


class SignInCodeForm(forms.Form):
    """Step one for a member with a sign-in letter: their member number and the letter's code."""

    member_number = forms.CharField(
        label=_("Your member number"),
        max_length=limits.LOGIN,
        help_text=_("It is on your letter and your member card, for example RIV-0042."),
        error_messages={"required": _("Type your member number.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=_("The code from your letter"),
        max_length=limits.SIGN_IN_CODE,
        help_text=_(
            "Eight letters and numbers, for example K7QM-29XP. Capitals or small letters both work."
        ),
        error_messages={"required": _("Type the code from your letter.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )


class ChoosePasswordForm(forms.Form):
    """A new password, typed twice, checked by the site's password rules for this person."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        max_length=limits.PASSWORD,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Type the same password again"),
        max_length=limits.PASSWORD,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again.")},
    )

    def __init__(self, *args, person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second:
            if first != second:
                self.add_error(
                    "password2", _("The two passwords are not the same. Type them again.")
                )
            else:
                try:
                    password_validation.validate_password(first, self.person)
                except forms.ValidationError as exc:
                    self.add_error("password1", exc)
        return cleaned
