"""Communities and their rulebooks: creating a community with its founding rules, an
operator founding one with its first coordinator, and adopting a new rulebook version."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff
from coproduce.core.errors import Conflict, ValidationFailed

from ..models import (
    Community,
    ContactChannel,
    Membership,
    Person,
    Role,
    RulebookVersion,
    validate_timezone,
)
from ..selectors.rules import default_rules, validate_rules
from .memberships import _membership_create
from .sign_in import welcome_send


def community_create(
    *,
    actor: Actor | None,
    name: str,
    slug: str,
    member_prefix: str,
    area_description: str = "",
    timezone_name: str = "Europe/London",
    language: str = "en-gb",
    rules: dict[str, Any] | None = None,
) -> Community:
    """Raises ValidationFailed (bad values) or Conflict (slug or prefix taken)."""
    errors: dict[str, list[str]] = {}
    try:
        validate_timezone(timezone_name)
    except Exception as exc:  # noqa: BLE001 - any validation error is reported on the field
        errors["timezone"] = [str(getattr(exc, "message", exc))]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = ["Choose a supported language."]
    values = default_rules()
    if rules:
        cleaned, rule_errors = validate_rules(rules)
        errors.update(rule_errors)
        values.update(cleaned)
    if errors:
        raise ValidationFailed("Some community details are not valid.", fields=errors)
    with transaction.atomic(durable=True):
        return _community_insert(
            actor=actor,
            name=name,
            slug=slug,
            member_prefix=member_prefix,
            area_description=area_description,
            timezone_name=timezone_name,
            language=language,
            values=values,
        )


def _community_insert(
    *,
    actor: Actor | None,
    name: str,
    slug: str,
    member_prefix: str,
    area_description: str,
    timezone_name: str,
    language: str,
    values: dict[str, Any],
) -> Community:
    """The community and its founding rulebook, inside the caller's transaction. Raises
    Conflict (slug or prefix taken, each named on its field)."""
    taken: dict[str, list[str]] = {}
    if Community.objects.filter(slug=slug).exists():
        taken["slug"] = ["Already taken."]
    if Community.objects.filter(member_prefix=member_prefix).exists():
        taken["member_prefix"] = ["Already taken."]
    if len(taken) == 2:
        raise Conflict(
            "Other communities already use that web address and that member number prefix.",
            fields=taken,
        )
    if "slug" in taken:
        raise Conflict("A community with that web address already exists.", fields=taken)
    if taken:
        raise Conflict("Another community uses that member number prefix.", fields=taken)
    community = Community(
        name=name,
        slug=slug,
        member_prefix=member_prefix,
        area_description=area_description,
        timezone=timezone_name,
        language=language,
    )
    community.full_clean()
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError:
        # Another community took the address or the prefix at the same moment.
        raise Conflict(
            "Another community took that web address or member number prefix just now.",
            fields={"slug": ["Already taken."], "member_prefix": ["Already taken."]},
        ) from None
    RulebookVersion.objects.create(
        community=community,
        number=1,
        values=values,
        changed_by=actor,
        reason="Founding rules.",
        source="founding",
    )
    audit_record(
        actor=actor,
        action="community.create",
        subject=community,
        community_id=community.pk,
        changes={"name": [None, name], "slug": [None, slug]},
    )
    return community


COMMUNITY_NAME_MAX = 120
COMMUNITY_SLUG_MAX = 60
COMMUNITY_AREA_MAX = 2000
PERSON_NAME_MAX = 150
EMAIL_MAX = 254
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PREFIX = re.compile(r"^[A-Z]{2,5}$")


def _plain_text(
    errors: dict[str, list[str]],
    field: str,
    value: Any,
    *,
    label: str,
    maximum: int,
    required: bool,
    multiline: bool = False,
) -> str:
    value = value.strip() if isinstance(value, str) else ""
    allowed = "\n\r\t" if multiline else ""
    if required and not value:
        errors[field] = [f"Give the {label}."]
    elif len(value) > maximum:
        errors[field] = [f"The {label} may be at most {maximum} characters."]
    elif any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        errors[field] = [f"The {label} contains a character that is not allowed."]
    return value


def community_found(
    *,
    actor: Actor | None,
    name: str,
    slug: str,
    member_prefix: str,
    area_description: str = "",
    coordinator_email: str = "",
    coordinator_name: str = "",
) -> tuple[Community, Membership | None]:
    """An operator creates a community (with the founding rules) and names its first coordinator
    by email: a person with that email gets the coordinator role; a new email makes a person with
    the coordinator role (their name is then needed), sent the welcome email an approved member
    gets. `actor` None is the command line (`coproduce community create`: someone with the
    server's shell). All of it or nothing. Returns the community and the coordinator's
    membership (None when no email was given).

    Raises PermissionDenied (`operators_only`), ValidationFailed (name, web address, prefix, email,
    a new email without a name), Conflict (web address or prefix taken by another community)."""
    if actor is not None:
        access.access_operate(actor)
    errors: dict[str, list[str]] = {}
    name = _plain_text(
        errors, "name", name, label="community's name", maximum=COMMUNITY_NAME_MAX, required=True
    )
    slug = slug.strip() if isinstance(slug, str) else ""
    if not slug:
        errors["slug"] = ["Give the web address: the part after /c/, such as riverside."]
    elif len(slug) > COMMUNITY_SLUG_MAX or not _SLUG.match(slug):
        errors["slug"] = [
            f"Use lower-case letters, digits and single hyphens (at most {COMMUNITY_SLUG_MAX}), "
            "such as riverside or old-town."
        ]
    member_prefix = member_prefix.strip().upper() if isinstance(member_prefix, str) else ""
    if not _PREFIX.match(member_prefix):
        errors["member_prefix"] = [
            "Use 2 to 5 letters, such as RIV for member numbers like RIV-0042."
        ]
    area_description = _plain_text(
        errors,
        "area_description",
        area_description,
        label="description of the area",
        maximum=COMMUNITY_AREA_MAX,
        required=False,
        multiline=True,
    )
    email = coordinator_email.strip().lower() if isinstance(coordinator_email, str) else ""
    coordinator_name = _plain_text(
        errors,
        "coordinator_name",
        coordinator_name,
        label="coordinator's name",
        maximum=PERSON_NAME_MAX,
        required=False,
    )
    person: Person | None = None
    if email:
        try:
            validate_email(email)
            if len(email) > EMAIL_MAX:
                raise DjangoValidationError("too long")
        except DjangoValidationError:
            errors["coordinator_email"] = ["Give an email address such as name@example.org."]
        else:
            person = Person.objects.filter(email__iexact=email).first()
            if person is not None and not person.is_active:
                errors["coordinator_email"] = [
                    "This account is closed; give another email address."
                ]
            elif person is None and not coordinator_name and "coordinator_name" not in errors:
                errors["coordinator_name"] = [
                    "Nobody has this email address yet: give the coordinator's name "
                    "for their new account."
                ]
    elif coordinator_name and "coordinator_name" not in errors:
        errors["coordinator_email"] = ["Give the coordinator's email address too."]
    if errors:
        raise ValidationFailed("Please correct the community's details.", fields=errors)
    with transaction.atomic(durable=True):
        community = _community_insert(
            actor=actor,
            name=name,
            slug=slug,
            member_prefix=member_prefix,
            area_description=area_description,
            timezone_name="Europe/London",
            language="en-gb",
            values=default_rules(),
        )
        membership = None
        new_login = False
        if email:
            if person is None:
                try:
                    with transaction.atomic():
                        person = Person.objects.create_user(
                            email=email,
                            full_name=coordinator_name,
                            contact_preferences=[ContactChannel.EMAIL],
                        )
                except IntegrityError:
                    raise Conflict(
                        "Someone made an account with that email address just now; try again.",
                        fields={"coordinator_email": ["Taken just now."]},
                    ) from None
                new_login = True
            membership = _membership_create(
                actor=actor, community=community, person=person, roles=[Role.COORDINATOR]
            )
        audit_record(
            actor=actor,
            action="community.found",
            subject=community,
            community_id=community.pk,
            person_id=person.pk if person is not None else None,
            note="" if actor is not None else "coproduce community create",
            changes={
                "member_prefix": [None, member_prefix],
                "first_coordinator": [None, membership.member_code if membership else None],
                "new_login": [None, new_login],
            },
        )
        if membership is not None and person is not None:
            # Their member number, the two-factor note for coordinators and, for a new login, a
            # link of their own to choose a password (sent after commit).
            welcome_send(actor=actor, person=person, community=community)
    return community, membership


def community_lock(community: Community) -> None:
    """Lock the community's row until the caller's transaction ends: what is numbered within a
    community (rulebook versions here, governance's proposals) takes its next number under it,
    so writers at once queue instead of colliding. Call inside a transaction."""
    Community.objects.select_for_update().only("pk").get(pk=community.pk)


def rulebook_change(
    *,
    actor: Actor | None,
    community: Community,
    changes: dict[str, Any],
    reason: str,
    source: str = "coordinator",
) -> RulebookVersion:
    """Adopt a new rulebook version. Nestable: inside a caller's transaction (a decision that
    adopts a rule change, whose proposal and audit row commit with it) it writes in that
    transaction; on its own it is its own. A coordinator's change (`source="coordinator"`) may
    touch only the rules the rulebook lets a coordinator change alone (`change_<area>`; never the
    rules about changing rules). Raises ValidationFailed (unknown rule, out-of-range value, no
    reason, nothing changed, a rule only a decision changes)."""
    reason = (reason or "").strip()
    cleaned, errors = validate_rules(changes)
    if not reason:
        errors["reason"] = ["Say why the rules are changing."]
    if errors:
        raise ValidationFailed("The rule change is not valid.", fields=errors)
    with transaction.atomic():
        community_lock(community)  # two changes cannot take the same version number
        current = community.rulebook_versions.order_by("-number").first()
        old = dict(current.values) if current else default_rules()
        new = {**old, **cleaned}
        changed = diff(old, new)
        if not changed:
            raise ValidationFailed(
                "Nothing would change: the values are the rules already in force."
            )
        if source == "coordinator":
            # Rules about changing rules: some rules are changed only by a decision.
            in_force = {**default_rules(), **old}
            refused = {
                key: ["Only a decision of the members changes this rule: draft a proposal."]
                for key in changed
                if not access.coordinator_may_change(in_force, key)
            }
            if refused:
                raise ValidationFailed(
                    "Some of these rules are changed only by a decision of the members.",
                    fields=refused,
                )
        version = RulebookVersion.objects.create(
            community=community,
            number=(current.number + 1) if current else 1,
            values=new,
            changed_by=actor,
            reason=reason,
            source=source,
        )
        audit_record(
            actor=actor,
            action="rulebook.change",
            subject=version,
            community_id=community.pk,
            changes=changed,
            note=reason,
        )
    return version
