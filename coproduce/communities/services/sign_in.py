"""One-time ways in: a set-password link sent by email, or a short code printed on a sign-in
letter, for people who have no password yet (a newly approved member, a new community's first
coordinator) or sign in with their member number and have lost it.

Only hashes are stored: a link's secret is random and long, so a plain SHA-256 is enough; a
letter's code is short enough to type, so it is hashed with a keyed HMAC salted with the person
(a stolen table does not give the codes away), and the pages that take it count failures with
the same limit as passwords. A token works once, until it expires, and issuing a new one of the
same kind (or using any) retires the others. Choosing the password is the service here; the
sign-in that follows is the web's own sign-in (`web.sign_in.sign_in`, allauth's login stages),
so a second factor still applies. Reading a token back is `selectors.sign_in`."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.tokens import new_secret, secret_hash

from ..models import Community, Membership, Person, Role, SignInToken, SignInTokenKind
from ..selectors.sign_in import CODE_LENGTH, _code_hash, _usable, when

LINK_VALID_DAYS = 7
CODE_VALID_DAYS = 14  # a letter may go by post
# No 0/O, 1/I/L: an older reader copies it from paper. 31**8 is about 8.5e14 codes; with five
# failures per five minutes per member number, guessing one is out of reach.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _issue(
    *,
    actor: Actor | None,
    person: Person,
    community: Community | None,
    kind: str,
    purpose: str,
    hashed: str,
    days: int,
) -> SignInToken:
    moment = timezone.now()
    SignInToken.objects.filter(
        person=person, kind=kind, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=moment)
    token = SignInToken.objects.create(
        person=person,
        community=community,
        kind=kind,
        purpose=purpose,
        secret_hash=hashed,
        created_by=actor,
        created_at=moment,
        expires_at=moment + dt.timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action=f"sign_in.{kind}_issue",
        subject=token,
        community_id=community.pk if community else None,
        person_id=person.pk,
        changes={"expires_at": [None, token.expires_at.isoformat()]},
        note=purpose,
    )
    return token


def sign_in_link_issue(
    *, actor: Actor | None, person: Person, community: Community | None, purpose: str = "welcome"
) -> tuple[SignInToken, str]:
    """A set-password link of the person's own, valid for LINK_VALID_DAYS; returns the token and
    the full address. Runs inside the caller's transaction when there is one (an approval, a new
    community), so the link exists exactly when the membership does."""
    secret = new_secret("w_")
    with transaction.atomic():
        token = _issue(
            actor=actor,
            person=person,
            community=community,
            kind=SignInTokenKind.LINK,
            purpose=purpose,
            hashed=secret_hash(secret),
            days=LINK_VALID_DAYS,
        )
    return token, settings.SITE_URL + reverse("web:sign_in_link", args=[secret])


def welcome_send(
    *, actor: Actor | None, person: Person, community: Community, email: str = ""
) -> SignInToken | None:
    """Welcome someone who has just joined a community (an approved applicant, a new community's
    first coordinator) by email, in the community's name: their member number and, when they have
    no password yet, a link of their own to choose one, which signs them in to their home page.
    Someone without an email address gets nothing here: a coordinator gives them a first password
    or a sign-in letter from their member page. Runs inside the caller's transaction; the email
    goes after commit. Returns the link's token, if one was made."""
    address = (email or person.email or "").strip()
    if not address:
        return None
    membership = (
        Membership.objects.filter(community=community, person=person)
        .prefetch_related("roles")
        .first()
    )
    name = person.known_as or person.full_name
    lines = [f"Dear {name},", "", f"Welcome to {community.name}!"]
    if membership is not None:
        lines.append(f"Your member number is {membership.member_code}.")
    token = None
    if person.has_usable_password():
        lines += [
            "",
            "Sign in as usual, with your email address and your password:",
            settings.SITE_URL + reverse("account_login"),
        ]
    else:
        token, link = sign_in_link_issue(
            actor=actor, person=person, community=community, purpose="welcome"
        )
        lines += [
            "",
            "To start, choose your password here. The link is yours alone: it works once, until "
            f"{when(token.expires_at, community)}.",
            link,
            "",
            "From then on you sign in with your email address (or your member number) and that "
            "password.",
            "If the link has run out, use “Forgotten your password?” on the sign-in page, or ask "
            "your coordinator.",
        ]
    if membership is not None and any(
        role.role == Role.COORDINATOR for role in membership.roles.all()
    ):
        lines += [
            "",
            f"You are a coordinator of {community.name}. When you first sign in you will be asked "
            "to set up two-factor sign-in with an authenticator app on your phone.",
        ]
    lines += ["", f"The coordinators of {community.name}"]
    subject, body = f"Welcome to {community.name}", "\n".join(lines) + "\n"
    transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=False))
    return token


def sign_in_code_issue(
    *, actor: Actor, community: Community, membership: Membership
) -> tuple[SignInToken, str]:
    """A one-time code for a sign-in letter (valid CODE_VALID_DAYS); a new letter replaces the
    last. Returns the token and the code as printed ("K7QM-29XP"). Raises NotFound,
    PermissionDenied (access_give_sign_in)."""
    access.access_give_sign_in(actor, community, membership)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction.atomic(durable=True):
        token = _issue(
            actor=actor,
            person=membership.person,
            community=community,
            kind=SignInTokenKind.CODE,
            purpose="letter",
            hashed=_code_hash(membership.person_id, code),
            days=CODE_VALID_DAYS,
        )
    return token, format_code(code)


def _validate_password(password: str, person: Person, field: str) -> None:
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        raise ValidationFailed(
            "Choose another password.", fields={field: list(exc.messages)}
        ) from None


def password_set_first(
    *, actor: Actor, community: Community, membership: Membership, password: str
) -> Person:
    """A coordinator sets the first password of a member who has none (often a member without
    email who signs in with their member number). Raises NotFound, PermissionDenied
    (access_give_sign_in), Conflict (has_password: they already have one; print a letter instead),
    ValidationFailed (the password rules)."""
    access.access_give_sign_in(actor, community, membership)
    person = membership.person
    _validate_password(password, person, "password1")
    with transaction.atomic(durable=True):
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.has_usable_password():
            raise Conflict(
                f"{locked.display_name} already has a password. Print a sign-in letter instead: "
                "its code lets them choose a new one.",
                code="has_password",
            )
        locked.set_password(password)
        locked.save(update_fields=["password"])
        audit_record(
            actor=actor,
            action="sign_in.first_password",
            subject=locked,
            community_id=community.pk,
            person_id=locked.pk,
        )
    return locked


def sign_in_token_redeem(*, token_id: int, password: str) -> Person:
    """The person behind a link or code they have just shown chooses their password; the token is
    used up and their other outstanding ones retired. Raises NotFound, Conflict (used, replaced,
    expired: another request may have got there first), ValidationFailed (the password rules)."""
    with transaction.atomic(durable=True):
        try:
            token = (
                SignInToken.objects.select_for_update().select_related("person").get(pk=token_id)
            )
        except SignInToken.DoesNotExist:
            raise NotFound("This link no longer works.") from None
        _usable(token)
        person = token.person
        _validate_password(password, person, "password1")
        person.set_password(password)
        person.save(update_fields=["password"])
        moment = timezone.now()
        token.used_at = moment
        token.save(update_fields=["used_at"])
        SignInToken.objects.filter(
            person=person, used_at__isnull=True, revoked_at__isnull=True
        ).exclude(pk=token.pk).update(revoked_at=moment)
        audit_record(
            actor=person,
            action="sign_in.password_chosen",
            subject=person,
            community_id=token.community_id,
            person_id=person.pk,
            note=f"{token.kind}: {token.purpose}",
        )
    return person
