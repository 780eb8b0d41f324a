"""Signing in, read side: the one-time set-password links and letter codes read back (written
by `services.sign_in`), and the one authentication backend (`SignInBackend`, named in
settings.AUTHENTICATION_BACKENDS): an email address, a username or a member number such as
RIV-0042, and a password.

For the backend, whatever is typed names at most one person, and exactly one password hash is
computed for every attempt: that person's password is checked once, or, when nobody answers to it,
allauth's backend hashes the password anyway. So a known and an unknown identifier cost the same,
and nothing is checked twice (allauth's own backend would check a known email once as a
username-or-email and again as an email; a second backend for member numbers added a hash of its
own)."""

from __future__ import annotations

import datetime as dt
import functools

from allauth.account.auth_backends import AuthenticationBackend
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import dateformat, timezone
from django.utils.crypto import salted_hmac

from coproduce.core import limits
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.tokens import secret_hash

from ..models import Community, Membership, MembershipStatus, Person, SignInToken, SignInTokenKind
from .communities import community_zone
from .member_refs import parse_member_code

CODE_LENGTH = 8
CODE_NOT_RECOGNISED = (
    "That member number and code do not go together. Check both against your letter; if it still "
    "does not work, ask your coordinator for a new letter."
)


def normalise_code(text: str) -> str:
    """What was typed, as stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def _code_hash(person_id: int, code: str) -> str:
    return salted_hmac(
        "coproduce.sign-in-code", f"{person_id}:{code}", algorithm="sha256"
    ).hexdigest()


def when(moment: dt.datetime, community: Community | None) -> str:
    """'Friday 14 March 2026 at 10:30', in the community's time zone."""
    zone = community_zone(community) if community else timezone.get_current_timezone()
    return dateformat.format(timezone.localtime(moment, zone), "l j F Y \\a\\t H:i")


def _usable(token: SignInToken) -> None:
    kind = "code" if token.kind == SignInTokenKind.CODE else "link"
    again = (
        "ask your coordinator for a new letter"
        if kind == "code"
        else "use “Forgotten your password?” on the sign-in page, or ask your coordinator"
    )
    if token.used_at is not None:
        raise Conflict(
            f"This {kind} has already been used. If you have forgotten the password you chose, "
            f"{again}.",
            code=f"{kind}_used",
        )
    if token.revoked_at is not None:
        raise Conflict(
            f"A newer {kind} has replaced this one. Use the newest, or {again}.",
            code=f"{kind}_replaced",
        )
    if token.is_expired:
        raise Conflict(
            f"This {kind} has expired. To choose a password, {again}.", code=f"{kind}_expired"
        )
    if not token.person.is_active:
        raise NotFound(f"This {kind} no longer works.")


def sign_in_link_check(secret: str) -> SignInToken:
    """The token behind a set-password link, if it still works. Raises NotFound (no such link),
    Conflict (link_used, link_replaced, link_expired)."""
    token = (
        SignInToken.objects.select_related("person", "community")
        .filter(kind=SignInTokenKind.LINK, secret_hash=secret_hash(secret or ""))
        .first()
    )
    if token is None:
        raise NotFound(
            "This link is not one of ours. Check that the whole address from the email was copied."
        )
    _usable(token)
    return token


def sign_in_code_check(*, member_number: str, code: str) -> SignInToken:
    """The token behind a member number and a letter's code, if they go together and it still
    works. Raises ValidationFailed (they do not go together: no hint which is wrong), Conflict
    (code_used, code_replaced, code_expired: only someone holding the code learns this)."""
    parsed = parse_member_code(member_number or "")
    typed = normalise_code(code)
    membership = None
    if parsed is not None and len(typed) == CODE_LENGTH:
        membership = (
            Membership.objects.select_related("person")
            .filter(
                community__member_prefix=parsed[0], number=parsed[1], status=MembershipStatus.ACTIVE
            )
            .first()
        )
    token = None
    if membership is not None:
        token = (
            SignInToken.objects.select_related("person", "community")
            .filter(
                person=membership.person,
                kind=SignInTokenKind.CODE,
                secret_hash=_code_hash(membership.person_id, typed),
            )
            .first()
        )
    if token is None:
        raise ValidationFailed(CODE_NOT_RECOGNISED, fields={"code": [CODE_NOT_RECOGNISED]})
    _usable(token)
    return token


def sign_in_token_get(token_id: int | None) -> SignInToken:
    """A token a person has already shown in this browser session, if it still works."""
    token = (
        SignInToken.objects.select_related("person", "community").filter(pk=token_id).first()
        if token_id
        else None
    )
    if token is None:
        raise NotFound("Open the link from your email, or type the code from your letter, first.")
    _usable(token)
    return token


# The password sign-in ---------------------------------------------------------------------

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

    def get_user(self, user_id) -> Person | None:
        """The signed-in person of a session (Django's ModelBackend.get_user: the row by its id,
        None when missing or inactive), read with a statement built once per process: every
        signed-in request asks, and `Person.objects.get` took about three times as long to
        build as to answer (docs/benchmarks.md, "Render cost of five pages")."""
        try:
            pk = Person._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = list(Person.objects.raw(_person_sql(connection.vendor), [pk]))
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None

    def _authenticate(self, request, **credentials) -> Person | None:
        # allauth's login form sends what was typed as both `username` and `email`;
        # reauthentication sends the person's own username and email.
        identifier = credentials.get("username") or credentials.get("email") or ""
        password = credentials.get("password") or ""
        if len(password) > PASSWORD_MAX_LENGTH:
            return None  # still one hash: the caller's timing-attack mitigation hashes it
        return self._check_password(person_for_login(str(identifier)), password)


@functools.cache
def _person_sql(vendor: str) -> str:
    """Every column of a person's row (so nothing is left to load later), by id."""
    meta, quote = Person._meta, connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in meta.concrete_fields)
    pk = quote(str(meta.pk.column)) if meta.pk is not None else '"id"'
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {pk} = %s"  # noqa: S608 - names
