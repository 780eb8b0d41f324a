"""allauth's sign-in forms with bounds on what may be typed (ACCOUNT_FORMS and MFA_FORMS in the
settings), and the forms of our own ways in: a code from a sign-in letter, and choosing a password.

An overlong value is a form error like any other, before anything is looked up or hashed (a
50,001-character login used to reach the database and fail there with a 500)."""

from __future__ import annotations

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from coproduce.communities.auth import LOGIN_MAX_LENGTH, PASSWORD_MAX_LENGTH

EMAIL_MAX_LENGTH = 254
MFA_CODE_MAX_LENGTH = 64  # a six-digit code or a recovery code, with room for spaces
SIGN_IN_CODE_MAX_LENGTH = 32  # "K7QM-29XP", typed with spaces or not


def bound(form: forms.Form, limits: dict[str, int]) -> None:
    """Give fields made by someone else (allauth) a maximum length, checked and shown."""
    for name, limit in limits.items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.max_length = limit  # type: ignore[attr-defined]
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)


class SignInForm(account_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"login": LOGIN_MAX_LENGTH, "password": PASSWORD_MAX_LENGTH})


class ResetPasswordForm(account_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"email": EMAIL_MAX_LENGTH})


class ResetPasswordKeyForm(account_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"password1": PASSWORD_MAX_LENGTH, "password2": PASSWORD_MAX_LENGTH})


class ChangePasswordForm(account_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"oldpassword": PASSWORD_MAX_LENGTH, "password1": PASSWORD_MAX_LENGTH,
                     "password2": PASSWORD_MAX_LENGTH})


class SetPasswordForm(account_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"password1": PASSWORD_MAX_LENGTH, "password2": PASSWORD_MAX_LENGTH})


class ReauthenticateForm(account_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"password": PASSWORD_MAX_LENGTH})


class MfaAuthenticateForm(mfa_forms.AuthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"code": MFA_CODE_MAX_LENGTH})


class MfaReauthenticateForm(mfa_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"code": MFA_CODE_MAX_LENGTH})


class ActivateTotpForm(totp_forms.ActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bound(self, {"code": MFA_CODE_MAX_LENGTH})


# Our own ways in ------------------------------------------------------------------------------


class SignInCodeForm(forms.Form):
    """Step one for a member with a sign-in letter: their member number and the letter's code."""

    member_number = forms.CharField(
        label=_("Your member number"), max_length=LOGIN_MAX_LENGTH,
        help_text=_("It is on your letter and your member card, for example RIV-0042."),
        error_messages={"required": _("Type your member number.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=_("The code from your letter"), max_length=SIGN_IN_CODE_MAX_LENGTH,
        help_text=_("Eight letters and numbers, for example K7QM-29XP. Capitals or small letters both work."),
        error_messages={"required": _("Type the code from your letter.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )


class ChoosePasswordForm(forms.Form):
    """A new password, typed twice, checked by the site's password rules for this person."""

    password1 = forms.CharField(
        label=_("Choose a password"), max_length=PASSWORD_MAX_LENGTH, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Type the same password again"), max_length=PASSWORD_MAX_LENGTH, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again.")},
    )

    def __init__(self, *args, person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second:
            if first != second:
                self.add_error("password2", _("The two passwords are not the same. Type them again."))
            else:
                try:
                    password_validation.validate_password(first, self.person)
                except forms.ValidationError as exc:
                    self.add_error("password1", exc)
        return cleaned
