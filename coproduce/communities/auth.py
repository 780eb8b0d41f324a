"""The one sign-in backend: an email address, a username or a member number (RIV-0042) and a
password.

Whatever is typed names at most one person, and exactly one password hash is computed for every
attempt: that person's password is checked once, or, when nobody answers to it, allauth's backend
hashes the password anyway. So a known and an unknown identifier cost the same, and nothing is
checked twice (allauth's own backend would check a known email once as a username-or-email and
again as an email; a second backend for member numbers added a hash of its own)."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend

from coproduce.core import limits

from .models import Membership, MembershipStatus, Person
from .selectors import parse_member_code

# No email address is longer (RFC 5321), and usernames and member numbers are far shorter: a
# longer value names nobody, without a database lookup.
LOGIN_MAX_LENGTH = limits.LOGIN
PASSWORD_MAX_LENGTH = limits.PASSWORD


def login_key(identifier: str) -> str:
    """One spelling per account for the failed sign-in limit: 'RIV-0042', 'riv-42' and 'RIV-00042'
    are the same member, so guesses spread over spellings count together."""
    parsed = parse_member_code(identifier)
    if parsed is not None:
        return f"{parsed[0]}-{parsed[1]}".lower()
    return identifier.strip().lower()


def failed_sign_in_key(identifier: str) -> str:
    """The key of the failed sign-in limit (allauth's `login_failed`) for this account: shared by
    the password sign-in and the sign-in letter's code, and the same whatever Host the request
    named."""
    return "login:" + login_key(identifier)


def person_for_login(identifier: str) -> Person | None:
    """The one person this sign-in name stands for: a member number first, then an email
    address, then a username; None when it names nobody."""
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > LOGIN_MAX_LENGTH:
        return None
    parsed = parse_member_code(identifier)
    if parsed is not None:
        membership = (
            Membership.objects.select_related("person")
            .filter(community__member_prefix=parsed[0], number=parsed[1])
            .exclude(status=MembershipStatus.ARCHIVED)
            .first()
        )
        if membership is not None:
            return membership.person
    if "@" in identifier:
        return Person.objects.filter(email__iexact=identifier).first()
    return Person.objects.filter(username__iexact=identifier).first()


class SignInBackend(AuthenticationBackend):
    """allauth's backend (so allauth's login, reauthentication and inactive-account handling work
    as designed) with one lookup instead of three."""

    def _authenticate(self, request, **credentials) -> Person | None:
        # allauth's login form sends what was typed as both `username` and `email`;
        # reauthentication sends the person's own username and email.
        identifier = credentials.get("username") or credentials.get("email") or ""
        password = credentials.get("password") or ""
        if len(password) > PASSWORD_MAX_LENGTH:
            return None  # still one hash: the caller's timing-attack mitigation hashes it
        return self._check_password(person_for_login(str(identifier)), password)  # type: ignore[return-value]
