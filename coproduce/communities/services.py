"""Every write about communities and people. Each service is atomic, takes the acting person,
writes an audit row, and sends email only after commit."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import ngettext

from coproduce.core import ratelimit
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from coproduce.core.tokens import new_secret, secret_hash

from . import access, sign_in
from .models import (
    AccessToken,
    Application,
    ApplicationStatus,
    Check,
    CheckKind,
    CheckResult,
    Community,
    Consent,
    ContactChannel,
    ContactRelay,
    CoordinatorNote,
    Gift,
    GiftKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    Neighbourhood,
    Person,
    Reference,
    ReferenceOutcome,
    ReferenceStatus,
    Role,
    RulebookVersion,
    SensitiveDatum,
    SensitiveField,
    SignInToken,
    UnconfirmedApplication,
    Visibility,
    validate_timezone,
)
from .rules import default_rules, validate_rules

REFERENCE_LINK_DAYS = 14
AVAILABILITY_SLOTS = [f"{d}-{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") for p in ("am", "pm", "eve")]


def _send_after_commit(subject: str, body: str, to: list[str]) -> None:
    to = [address for address in to if address]
    if to:
        transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=False))


def _behalf(actor, person: Person | None):
    return person if person is not None and actor is not None and getattr(actor, "pk", None) != person.pk else None


# Communities and rules -----------------------------------------------------------------------


def community_create(
    *,
    actor: Person | None,
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
        return _community_insert(actor=actor, name=name, slug=slug, member_prefix=member_prefix,
                                 area_description=area_description, timezone_name=timezone_name,
                                 language=language, values=values)


def _community_insert(*, actor: Person | None, name: str, slug: str, member_prefix: str, area_description: str,
                      timezone_name: str, language: str, values: dict[str, Any]) -> Community:
    """The community and its founding rulebook, inside the caller's transaction. Raises
    Conflict (slug or prefix taken, each named on its field)."""
    taken: dict[str, list[str]] = {}
    if Community.objects.filter(slug=slug).exists():
        taken["slug"] = ["Already taken."]
    if Community.objects.filter(member_prefix=member_prefix).exists():
        taken["member_prefix"] = ["Already taken."]
    if len(taken) == 2:
        raise Conflict("Other communities already use that web address and that member number prefix.", fields=taken)
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
        raise Conflict("Another community took that web address or member number prefix just now.",
                       fields={"slug": ["Already taken."], "member_prefix": ["Already taken."]}) from None
    RulebookVersion.objects.create(
        community=community, number=1, values=values, changed_by=actor, reason="Founding rules.", source="founding"
    )
    audit_record(actor=actor, action="community.create", subject=community, community_id=community.pk,
                 changes={"name": [None, name], "slug": [None, slug]})
    return community


COMMUNITY_NAME_MAX = 120
COMMUNITY_SLUG_MAX = 60
COMMUNITY_AREA_MAX = 2000
PERSON_NAME_MAX = 150
EMAIL_MAX = 254
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PREFIX = re.compile(r"^[A-Z]{2,5}$")


def _plain_text(errors: dict[str, list[str]], field: str, value: Any, *, label: str, maximum: int,
                required: bool, multiline: bool = False) -> str:
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
    actor: Person | None,
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
    name = _plain_text(errors, "name", name, label="community's name", maximum=COMMUNITY_NAME_MAX, required=True)
    slug = slug.strip() if isinstance(slug, str) else ""
    if not slug:
        errors["slug"] = ["Give the web address: the part after /c/, such as riverside."]
    elif len(slug) > COMMUNITY_SLUG_MAX or not _SLUG.match(slug):
        errors["slug"] = [f"Use lower-case letters, digits and single hyphens (at most {COMMUNITY_SLUG_MAX}), "
                          "such as riverside or old-town."]
    member_prefix = member_prefix.strip().upper() if isinstance(member_prefix, str) else ""
    if not _PREFIX.match(member_prefix):
        errors["member_prefix"] = ["Use 2 to 5 letters, such as RIV for member numbers like RIV-0042."]
    area_description = _plain_text(errors, "area_description", area_description, label="description of the area",
                                   maximum=COMMUNITY_AREA_MAX, required=False, multiline=True)
    email = coordinator_email.strip().lower() if isinstance(coordinator_email, str) else ""
    coordinator_name = _plain_text(errors, "coordinator_name", coordinator_name, label="coordinator's name",
                                   maximum=PERSON_NAME_MAX, required=False)
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
                errors["coordinator_email"] = ["This account is closed; give another email address."]
            elif person is None and not coordinator_name and "coordinator_name" not in errors:
                errors["coordinator_name"] = ["Nobody has this email address yet: give the coordinator's name "
                                              "for their new account."]
    elif coordinator_name and "coordinator_name" not in errors:
        errors["coordinator_email"] = ["Give the coordinator's email address too."]
    if errors:
        raise ValidationFailed("Please correct the community's details.", fields=errors)
    with transaction.atomic(durable=True):
        community = _community_insert(actor=actor, name=name, slug=slug, member_prefix=member_prefix,
                                      area_description=area_description, timezone_name="Europe/London",
                                      language="en-gb", values=default_rules())
        membership = None
        new_login = False
        if email:
            if person is None:
                try:
                    with transaction.atomic():
                        person = Person.objects.create_user(email=email, full_name=coordinator_name,
                                                            contact_preferences=[ContactChannel.EMAIL])
                except IntegrityError:
                    raise Conflict("Someone made an account with that email address just now; try again.",
                                   fields={"coordinator_email": ["Taken just now."]}) from None
                new_login = True
            membership = _membership_create(actor=actor, community=community, person=person,
                                            roles=[Role.COORDINATOR])
        audit_record(actor=actor, action="community.found", subject=community, community_id=community.pk,
                     person_id=person.pk if person is not None else None,
                     note="" if actor is not None else "coproduce community create",
                     changes={"member_prefix": [None, member_prefix],
                              "first_coordinator": [None, membership.member_code if membership else None],
                              "new_login": [None, new_login]})
        if membership is not None and person is not None:
            # Their member number, the two-factor note for coordinators and, for a new login, a
            # link of their own to choose a password (sent after commit).
            sign_in.welcome_send(actor=actor, person=person, community=community)
    return community, membership


def rulebook_change(
    *, actor: Person | None, community: Community, changes: dict[str, Any], reason: str, source: str = "coordinator"
) -> RulebookVersion:
    """Adopt a new rulebook version. Raises ValidationFailed (unknown rule, out-of-range value,
    no reason, nothing changed)."""
    reason = (reason or "").strip()
    cleaned, errors = validate_rules(changes)
    if not reason:
        errors["reason"] = ["Say why the rules are changing."]
    if errors:
        raise ValidationFailed("The rule change is not valid.", fields=errors)
    with transaction.atomic(durable=True):
        # Lock the community row so two changes cannot take the same version number.
        Community.objects.select_for_update().get(pk=community.pk)
        current = community.rulebook_versions.order_by("-number").first()
        old = dict(current.values) if current else default_rules()
        new = {**old, **cleaned}
        changed = diff(old, new)
        if not changed:
            raise ValidationFailed("Nothing would change: the values are the rules already in force.")
        version = RulebookVersion.objects.create(
            community=community,
            number=(current.number + 1) if current else 1,
            values=new,
            changed_by=actor,
            reason=reason,
            source=source,
        )
        audit_record(actor=actor, action="rulebook.change", subject=version, community_id=community.pk,
                     changes=changed, note=reason)
    return version


# Memberships ---------------------------------------------------------------------------------


def _next_member_number(community: Community) -> int:
    Community.objects.filter(pk=community.pk).update(last_member_number=F("last_member_number") + 1)
    return Community.objects.values_list("last_member_number", flat=True).get(pk=community.pk)


def _membership_create(*, actor, community: Community, person: Person, roles: list[str]) -> Membership:
    membership = Membership.objects.create(community=community, person=person, number=_next_member_number(community))
    for role in sorted(set(roles) | {Role.MEMBER}):
        MembershipRole.objects.create(membership=membership, role=role, granted_by=actor)
    audit_record(actor=actor, action="membership.create", subject=membership, community_id=community.pk,
                 person_id=person.pk, changes={"number": [None, membership.member_code], "roles": [None, sorted(set(roles) | {Role.MEMBER})]})
    access.forget_roles(person)
    return membership


def membership_add(*, actor: Person | None, community: Community, person: Person, roles: list[str] | None = None) -> Membership:
    """Add an existing person straight to a community (operators, seeding, tests).
    Raises Conflict if they already belong."""
    roles = roles or []
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed("Unknown role.", fields={"roles": [f"Unknown role: {', '.join(unknown)}"]})
    with transaction.atomic(durable=True):
        if Membership.objects.filter(community=community, person=person).exists():
            raise Conflict("This person already belongs to the community.")
        return _membership_create(actor=actor, community=community, person=person, roles=roles)


def role_set(*, actor: Person, membership: Membership, role: str, granted: bool) -> None:
    """Grant or take away a role. Raises ValidationFailed for an unknown role, Conflict when a
    community would be left with no coordinator."""
    if role not in Role.values or role == Role.MEMBER:
        raise ValidationFailed("Choose a role to change.", fields={"role": ["Unknown role."]})
    with transaction.atomic(durable=True):
        existing = MembershipRole.objects.filter(membership=membership, role=role)
        if granted and not existing.exists():
            MembershipRole.objects.create(membership=membership, role=role, granted_by=actor)
        elif not granted and existing.exists():
            if role == Role.COORDINATOR and MembershipRole.objects.filter(
                membership__community=membership.community, role=Role.COORDINATOR,
                membership__status=MembershipStatus.ACTIVE,
            ).count() <= 1:
                raise Conflict("A community needs at least one coordinator.")
            existing.delete()
        else:
            return
        audit_record(actor=actor, action="membership.role_" + ("grant" if granted else "revoke"), subject=membership,
                     community_id=membership.community_id, person_id=membership.person_id,
                     changes={"role": [None if granted else role, role if granted else None]})
    access.forget_roles(membership.person)


# Onboarding ----------------------------------------------------------------------------------


APPLICATION_CONFIRM_HOURS = 24


def application_problems(
    *, full_name: str, email: str, phone: str, contact_preference: str, address: str = ""
) -> dict[str, list[str]]:
    """Everything missing from an application, all at once (the web form and the API show
    every problem on the first try). Pure: reads and writes nothing."""
    has = {name: bool((value or "").strip()) for name, value in
           (("full_name", full_name), ("email", email), ("phone", phone), ("address", address))}
    errors: dict[str, list[str]] = {}
    if not has["full_name"]:
        errors["full_name"] = ["Tell us your name."]
    if not has["email"] and not has["phone"]:
        errors["phone"] = ["Give us an email address or a phone number so we can reach you."]
    if contact_preference not in ContactChannel.values:
        errors["contact_preference"] = ["Choose how we should contact you."]
    elif contact_preference == ContactChannel.EMAIL and not has["email"]:
        errors["email"] = ["You chose email, so give us an email address."]
    elif contact_preference == ContactChannel.PHONE and not has["phone"]:
        errors.setdefault("phone", []).append("You chose phone, so give us a phone number.")
    elif contact_preference == ContactChannel.POST and not has["address"]:
        errors["address"] = ["You chose post, so give us a postal address."]
    return errors


def _application_values(full_name: str, email: str, phone: str, neighbourhood: str, address: str,
                        contact_preference: str, about: str) -> dict[str, Any]:
    """Normalised, checked values. Raises ValidationFailed with every problem at once."""
    values = {
        "full_name": (full_name or "").strip(), "email": (email or "").strip().lower(),
        "phone": (phone or "").strip(), "neighbourhood": (neighbourhood or "").strip(),
        "address": (address or "").strip(), "contact_preference": contact_preference, "about": about or "",
    }
    errors = application_problems(
        full_name=values["full_name"], email=values["email"], phone=values["phone"],
        contact_preference=contact_preference, address=values["address"],
    )
    if errors:
        raise ValidationFailed("Please correct the application.", fields=errors)
    return values


def application_submit(
    *,
    actor: Person | None,
    community: Community,
    full_name: str,
    email: str = "",
    phone: str = "",
    neighbourhood: str = "",
    address: str = "",
    contact_preference: str = ContactChannel.EMAIL,
    about: str = "",
) -> Application:
    """Record an application now, with no limits and no confirmation of the email address: for
    a coordinator entering it for someone, the demo and seeding. The public web form and API
    go through `application_request` instead. Raises ValidationFailed (no way to contact
    them), Conflict (already a member, or an application is already waiting)."""
    values = _application_values(full_name, email, phone, neighbourhood, address, contact_preference, about)
    with transaction.atomic(durable=True):
        application = _application_record(actor=actor, community=community, values=values)
    _acknowledge(application)
    return application


def _application_record(*, actor, community: Community, values: dict[str, Any], note: str = "") -> Application:
    """The application row (and a Person for a newcomer), inside the caller's transaction."""
    helper = actor if actor is not None and actor.is_authenticated else None
    acting_coordinator = helper is not None and access.is_coordinator(helper, community)
    email = values["email"]
    person: Person | None = None
    if helper is not None and not acting_coordinator:
        person = helper
    elif email:
        person = Person.objects.filter(email__iexact=email).first()
    if person is not None:
        _refuse_second_application(community, person)
    else:
        try:
            with transaction.atomic():
                person = Person.objects.create_user(
                    email=email or None, full_name=values["full_name"], phone=values["phone"],
                    neighbourhood=values["neighbourhood"], address=values["address"],
                    contact_preferences=[values["contact_preference"]], is_offline=not email,
                )
        except IntegrityError:
            # The same person applied at the same moment in another request.
            raise Conflict(
                "An application to this community is already waiting for a coordinator.",
                code="duplicate_application",
            ) from None
    try:
        with transaction.atomic():
            application = Application.objects.create(community=community, person=person, submitted_by=helper, **values)
    except IntegrityError:
        raise Conflict(
            "An application to this community is already waiting for a coordinator.", code="duplicate_application"
        ) from None
    audit_record(actor=helper, on_behalf_of=person if acting_coordinator else None, action="application.submit",
                 subject=application, community_id=community.pk, person_id=person.pk,
                 changes={"status": [None, ApplicationStatus.PENDING]}, note=note)
    return application


def _refuse_second_application(community: Community, person: Person) -> None:
    if Membership.objects.filter(community=community, person=person).exclude(status=MembershipStatus.ARCHIVED).exists():
        raise Conflict("You are already a member of this community.", code="already_member")
    if Application.objects.filter(community=community, person=person, status=ApplicationStatus.PENDING).exists():
        raise Conflict(
            "An application to this community is already waiting for a coordinator.", code="duplicate_application"
        )


def _acknowledge(application: Application) -> None:
    if application.email:
        _send_after_commit(
            f"Your application to {application.community.name}",
            f"Dear {application.full_name},\n\nThank you for applying to join {application.community.name}. A "
            "coordinator will be in touch to arrange a friendly chat.\n",
            [application.email],
        )


@dataclass(frozen=True)
class ApplicationRequested:
    """What became of a public application: recorded (`application`), or held until its
    applicant confirms the email address (`held`)."""

    application: Application | None
    held: UnconfirmedApplication | None = None


def application_request(
    *,
    actor: Person | None,
    community: Community,
    client: str = "",
    full_name: str,
    email: str = "",
    phone: str = "",
    neighbourhood: str = "",
    address: str = "",
    contact_preference: str = ContactChannel.EMAIL,
    about: str = "",
) -> ApplicationRequested:
    """The public way to apply (the web form and the API). `client` is the caller's network
    address, for the limits.

    A coordinator's application for someone is recorded at once, unlimited. Anyone else is
    limited per client and per email address or phone number (settings.APPLY_RATE_LIMIT). An
    application with an email address that is not the signed-in applicant's own is held
    (UnconfirmedApplication) and only a short message with a single-use link goes to the
    address, echoing nothing the applicant typed; `application_confirm` then records it.
    Applications without email (nobody is mailed) and a signed-in applicant's with their own
    address are recorded at once. Raises ValidationFailed (every problem at once), RateLimited,
    Conflict (already a member, or an application already waiting: for a signed-in applicant
    or one without email; a held one finds out on confirming, so the form tells nobody whether
    an address belongs to a member)."""
    values = _application_values(full_name, email, phone, neighbourhood, address, contact_preference, about)
    helper = actor if actor is not None and actor.is_authenticated else None
    if helper is not None and access.is_coordinator(helper, community):
        return ApplicationRequested(application_submit(actor=helper, community=community, **values))
    ratelimit.consume(
        "apply", ratelimit.parse_rates(settings.APPLY_RATE_LIMIT), ip=client,
        key=values["email"] or values["phone"], message=_too_many_applications_message(),
    )
    own_address = helper is not None and bool(values["email"]) and (helper.email or "").lower() == values["email"]
    if not values["email"] or own_address:
        return ApplicationRequested(application_submit(actor=helper, community=community, **values))
    if helper is not None:
        _refuse_second_application(community, helper)  # about themselves: nothing to hide
    token = new_secret()
    with transaction.atomic(durable=True):
        # Only the newest link for an address works: an earlier unconfirmed one is replaced.
        UnconfirmedApplication.objects.filter(
            community=community, email=values["email"], application__isnull=True
        ).delete()
        held = UnconfirmedApplication.objects.create(
            community=community, person=helper, token_hash=secret_hash(token),
            expires_at=timezone.now() + dt.timedelta(hours=APPLICATION_CONFIRM_HOURS), **values,
        )
    link = settings.SITE_URL + reverse("web:apply_confirm", args=[token])
    _send_after_commit(
        f"Confirm your application to {community.name}",
        f"Someone asked to join {community.name} with this email address. If it was you, confirm it here "
        f"within {APPLICATION_CONFIRM_HOURS} hours:\n\n{link}\n\n"
        "If it was not you, ignore this email: the application is deleted and nothing more happens.\n",
        [values["email"]],
    )
    return ApplicationRequested(None, held)


def _too_many_applications_message() -> str:
    return ("Too many applications have been sent from here or for this address. "
            "Please try again later, or ask a coordinator to apply for you.")


def application_confirm(*, token: str) -> Application:
    """The applicant followed the emailed link: record the held application (coordinators see
    it from now on) and send the full acknowledgement. Raises NotFound (unknown link), Conflict
    (`already_confirmed`, `link_expired`, `already_member`, `duplicate_application`)."""
    with transaction.atomic(durable=True):
        try:
            held = UnconfirmedApplication.objects.select_for_update().get(token_hash=secret_hash(token))
        except UnconfirmedApplication.DoesNotExist:
            raise NotFound("This confirmation link is not valid, or it has expired. Please apply again.") from None
        if held.application_id is not None:
            raise Conflict("You have already confirmed this application. Thank you.", code="already_confirmed")
        if held.expires_at <= timezone.now():
            raise Conflict("This confirmation link has expired. Please apply again.", code="link_expired")
        values = {name: getattr(held, name) for name in (
            "full_name", "email", "phone", "neighbourhood", "address", "contact_preference", "about")}
        application = _application_record(actor=held.person, community=held.community, values=values,
                                          note="Email address confirmed by the applicant.")
        held.application = application
        held.save(update_fields=["application"])
    _acknowledge(application)
    return application


def unconfirmed_applications_expire() -> int:
    """Delete held applications whose link has expired (confirmed or not). They were never
    community data (nobody but their sender saw them), so no audit row is written. Run
    periodically."""
    deleted, _by_model = UnconfirmedApplication.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _pending(application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.PENDING:
        raise Conflict(f"This application has already been {locked.get_status_display().lower()}.", code="already_decided")
    return locked


def application_note_add(*, actor: Person, application: Application, text: str, interview: bool = False) -> CoordinatorNote:
    """Raises ValidationFailed (empty note)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write the note first.", fields={"text": ["Write the note first."]})
    with transaction.atomic(durable=True):
        note = CoordinatorNote.objects.create(
            community=application.community, person=application.person, application=application,
            kind=CoordinatorNote.Kind.INTERVIEW if interview else CoordinatorNote.Kind.GENERAL,
            text=text, author=actor,
        )
        if interview and application.interviewed_at is None:
            application.interviewed_at = timezone.now()
            application.save(update_fields=["interviewed_at"])
        audit_record(actor=actor, action="application.note" if not interview else "application.interview",
                     subject=application, community_id=application.community_id, person_id=application.person_id)
    return note


def person_note_add(*, actor: Person, community: Community, person: Person, text: str) -> CoordinatorNote:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write the note first.", fields={"text": ["Write the note first."]})
    with transaction.atomic(durable=True):
        note = CoordinatorNote.objects.create(community=community, person=person, text=text, author=actor)
        audit_record(actor=actor, action="person.note", subject=note, community_id=community.pk, person_id=person.pk)
    return note


def reference_request(
    *, actor: Person, application: Application, referee_name: str, referee_email: str, relationship: str = ""
) -> tuple[Reference, str]:
    """Ask a referee by email. Returns the reference and the secret link token (sent by email,
    shown nowhere else). Raises ValidationFailed, Conflict (application decided)."""
    referee_name = (referee_name or "").strip()
    referee_email = (referee_email or "").strip().lower()
    errors = {}
    if not referee_name:
        errors["referee_name"] = ["Give the referee's name."]
    if not referee_email or "@" not in referee_email:
        errors["referee_email"] = ["Give the referee's email address."]
    if errors:
        raise ValidationFailed("Please correct the referee's details.", fields=errors)
    token = new_secret()
    with transaction.atomic(durable=True):
        _pending(application)
        reference = Reference.objects.create(
            community=application.community, application=application, referee_name=referee_name,
            referee_email=referee_email, relationship=relationship, token_hash=secret_hash(token),
            requested_by=actor, expires_at=timezone.now() + dt.timedelta(days=REFERENCE_LINK_DAYS),
        )
        audit_record(actor=actor, action="reference.request", subject=reference, community_id=application.community_id,
                     person_id=application.person_id, changes={"status": [None, ReferenceStatus.REQUESTED]})
    link = settings.SITE_URL + reverse("web:reference_answer", args=[token])
    _send_after_commit(
        f"A reference for {application.full_name}",
        f"Dear {referee_name},\n\n{application.full_name} has applied to join {application.community.name}, a "
        f"community time bank, and named you as a referee. Please answer a few short questions here:\n\n{link}\n\n"
        f"The link works for {REFERENCE_LINK_DAYS} days.\n",
        [referee_email],
    )
    return reference, token


def reference_answer(*, token: str, outcome: str, answer: str) -> Reference:
    """The referee's answer, through the emailed link. Raises NotFound (unknown link),
    Conflict (expired, already answered, cancelled), ValidationFailed."""
    if outcome not in ReferenceOutcome.values:
        raise ValidationFailed("Choose whether you support the application.", fields={"outcome": ["Choose one."]})
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed("Please tell us a little about how you know the applicant.", fields={"answer": ["Required."]})
    with transaction.atomic(durable=True):
        try:
            reference = Reference.objects.select_for_update().get(token_hash=secret_hash(token))
        except Reference.DoesNotExist:
            raise NotFound("This reference link is not valid. Please check the address in the email.") from None
        if reference.status == ReferenceStatus.ANSWERED:
            raise Conflict("This reference has already been given. Thank you.", code="already_answered")
        if reference.status == ReferenceStatus.CANCELLED:
            raise Conflict("This reference is no longer needed.", code="cancelled")
        if reference.is_expired():
            raise Conflict(
                "This reference link has expired. Please ask the coordinator for a new one.", code="link_expired"
            )
        reference.status = ReferenceStatus.ANSWERED
        reference.outcome = outcome
        reference.answer = answer
        reference.answered_at = timezone.now()
        reference.save(update_fields=["status", "outcome", "answer", "answered_at"])
        audit_record(actor=None, action="reference.answer", subject=reference, community_id=reference.community_id,
                     person_id=reference.application.person_id,
                     changes={"status": [ReferenceStatus.REQUESTED, ReferenceStatus.ANSWERED], "outcome": [None, outcome]})
    return reference


def check_record(
    *,
    actor: Person,
    community: Community,
    person: Person,
    kind: str,
    result: str,
    checked_on: dt.date,
    expires_on: dt.date | None = None,
    reference_number: str = "",
    note: str = "",
    on_behalf_of: Person | None = None,
) -> Check:
    """Record a check (ID seen, background check, training). A new check of a kind supersedes
    the older one. Raises ValidationFailed."""
    errors: dict[str, list[str]] = {}
    if kind not in CheckKind.values:
        errors["kind"] = ["Choose the kind of check."]
    if result not in CheckResult.values:
        errors["result"] = ["Choose the result."]
    today = timezone.localdate()
    if checked_on is None:
        errors["checked_on"] = ["Give the date of the check."]
    elif checked_on > today:
        errors["checked_on"] = ["The check date cannot be in the future."]
    if expires_on is not None and checked_on is not None and expires_on <= checked_on:
        errors["expires_on"] = ["The expiry date must be after the check date."]
    if errors:
        raise ValidationFailed("Please correct the check.", fields=errors)
    if not (
        Membership.objects.filter(community=community, person=person).exists()
        or Application.objects.filter(community=community, person=person).exists()
    ):
        raise NotFound("No such member or applicant.")
    with transaction.atomic(durable=True):
        check = Check.objects.create(
            community=community, person=person, kind=kind, result=result, checked_on=checked_on,
            expires_on=expires_on, reference_number=reference_number, note=note, recorded_by=actor,
        )
        audit_record(actor=actor, action="check.record", subject=check, community_id=community.pk, person_id=person.pk,
                     changes={"kind": [None, kind], "result": [None, result],
                              "expires_on": [None, expires_on.isoformat() if expires_on else None]})
    return check


def application_approve(*, actor: Person, application: Application, reason: str = "") -> Membership:
    """Approve: the applicant becomes a member with the next member number. Raises Conflict
    (already decided; not enough supporting references under the community's rules)."""
    from .selectors import rules_for

    needed = rules_for(application.community)["references_required"]
    with transaction.atomic(durable=True):
        locked = _pending(application)
        supporting = Reference.objects.filter(
            application=locked, status=ReferenceStatus.ANSWERED, outcome=ReferenceOutcome.SUPPORTS
        ).count()
        if supporting < needed:
            needs = ngettext(
                "This community needs %(needed)d supporting reference before approval;",
                "This community needs %(needed)d supporting references before approval;", needed,
            ) % {"needed": needed}
            got = ngettext("%(got)d received so far.", "%(got)d received so far.", supporting) % {"got": supporting}
            raise Conflict(f"{needs} {got if supporting else 'none received so far.'}", code="references_needed")
        existing = Membership.objects.filter(community=locked.community, person=locked.person).first()
        if existing is not None:
            if existing.status != MembershipStatus.ARCHIVED:
                raise Conflict("This person is already a member.", code="already_member")
            old_status = existing.status
            existing.status = MembershipStatus.ACTIVE
            existing.archived_at = None
            existing.save(update_fields=["status", "archived_at"])
            audit_record(actor=actor, action="membership.rejoin", subject=existing, community_id=existing.community_id,
                         person_id=existing.person_id, changes={"status": [old_status, existing.status]})
            membership = existing
        else:
            membership = _membership_create(actor=actor, community=locked.community, person=locked.person, roles=[])
        locked.status = ApplicationStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_reason = (reason or "").strip()
        locked.membership = membership
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "membership"])
        audit_record(actor=actor, action="application.approve", subject=locked, community_id=locked.community_id,
                     person_id=locked.person_id, changes={"status": [ApplicationStatus.PENDING, ApplicationStatus.APPROVED]},
                     note=locked.decision_reason)
        # Their member number and a set-password link of their own (sent after commit).
        sign_in.welcome_send(actor=actor, person=locked.person, community=locked.community, email=locked.email)
    application.refresh_from_db()
    return membership


def application_decline(*, actor: Person, application: Application, reason: str) -> Application:
    """Raises ValidationFailed (no reason), Conflict (already decided)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason for declining.", fields={"reason": ["Give a reason for declining."]})
    with transaction.atomic(durable=True):
        locked = _pending(application)
        locked.status = ApplicationStatus.DECLINED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        Reference.objects.filter(application=locked, status=ReferenceStatus.REQUESTED).update(
            status=ReferenceStatus.CANCELLED
        )
        audit_record(actor=actor, action="application.decline", subject=locked, community_id=locked.community_id,
                     person_id=locked.person_id, changes={"status": [ApplicationStatus.PENDING, ApplicationStatus.DECLINED]},
                     note=reason)
    application.refresh_from_db()
    return application


# Profile, gifts and privacy ------------------------------------------------------------------

DETAIL_FIELDS = ("full_name", "known_as", "email", "phone", "address", "neighbourhood", "date_of_birth", "is_offline")
PROFILE_FIELDS = ("availability", "languages", "accessibility_needs", "contact_preferences")
VISIBILITY_FIELDS = tuple(f"{f}_visibility" for f in ("email", "phone", "address", "photo", "date_of_birth"))


def person_details_update(*, actor: Person, person: Person, **values: Any) -> Person:
    """Update name and contact details. Raises ValidationFailed, Conflict (email in use)."""
    access.access_edit_person(actor, person)
    unknown = set(values) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={k: ["Not a detail that can be changed here."] for k in unknown})
    if "full_name" in values and not (values["full_name"] or "").strip():
        raise ValidationFailed("Your name cannot be empty.", fields={"full_name": ["Your name cannot be empty."]})
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower() or None
        if values["email"] and Person.objects.filter(email__iexact=values["email"]).exclude(pk=person.pk).exists():
            raise Conflict("That email address is used by another account.", fields={"email": ["Already in use."]})
    with transaction.atomic(durable=True):
        old = snapshot(person, values)
        for key, value in values.items():
            setattr(person, key, value)
        person.full_clean(exclude=["password", "photo"])
        changes = diff(old, snapshot(person, values))
        if changes:
            person.save(update_fields=list(values))
            audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="person.details", subject=person,
                         person_id=person.pk, changes={k: ["…", "…"] if k in ("email", "phone", "address", "date_of_birth") else v
                                                        for k, v in changes.items()})
    return person


def gift_profile_update(
    *,
    actor: Person,
    person: Person,
    gifts: list[tuple[str, str]] | None = None,
    availability: list[str] | None = None,
    languages: str | None = None,
    accessibility_needs: str | None = None,
    contact_preferences: list[str] | None = None,
) -> Person:
    """Replace the gift profile (capacity inventory). Fields left as None are unchanged.
    Raises ValidationFailed."""
    access.access_edit_person(actor, person)
    errors: dict[str, list[str]] = {}
    clean_gifts: list[tuple[str, str]] = []
    if gifts is not None:
        for kind, description in gifts:
            description = (description or "").strip()
            if kind not in GiftKind.values:
                errors.setdefault("gifts", []).append(f"Unknown kind of gift: {kind}.")
            elif not description:
                continue
            elif len(description) > 200:
                errors.setdefault("gifts", []).append("Keep each gift under 200 characters.")
            else:
                clean_gifts.append((kind, description))
        if len(clean_gifts) > 60:
            errors.setdefault("gifts", []).append("List at most 60 gifts.")
    if availability is not None:
        bad = [slot for slot in availability if slot not in AVAILABILITY_SLOTS]
        if bad:
            errors["availability"] = [f"Unknown time: {', '.join(map(str, bad))}."]
    if contact_preferences is not None:
        bad = [c for c in contact_preferences if c not in ContactChannel.values]
        if bad:
            errors["contact_preferences"] = [f"Unknown way of contact: {', '.join(map(str, bad))}."]
        elif ContactChannel.EMAIL in contact_preferences and not person.email:
            errors["contact_preferences"] = ["Add an email address before choosing email."]
        elif ContactChannel.PHONE in contact_preferences and not person.phone:
            errors["contact_preferences"] = ["Add a phone number before choosing phone."]
    if errors:
        raise ValidationFailed("Please correct the gift profile.", fields=errors)
    with transaction.atomic(durable=True):
        fields: dict[str, Any] = {}
        if availability is not None:
            fields["availability"] = sorted(set(availability), key=AVAILABILITY_SLOTS.index)
        if languages is not None:
            fields["languages"] = languages.strip()
        if accessibility_needs is not None:
            fields["accessibility_needs"] = accessibility_needs.strip()
        if contact_preferences is not None:
            fields["contact_preferences"] = [c for c in ContactChannel.values if c in contact_preferences]
        old = snapshot(person, fields)
        old_gifts = [[g.kind, g.description] for g in person.gifts.order_by("kind", "id")]
        for key, value in fields.items():
            setattr(person, key, value)
        changes = diff(old, snapshot(person, fields))
        if changes:
            person.save(update_fields=list(fields))
        if gifts is not None:
            new_gifts = sorted([[k, d] for k, d in clean_gifts])
            if new_gifts != sorted(old_gifts):
                person.gifts.all().delete()
                Gift.objects.bulk_create([Gift(person=person, kind=k, description=d) for k, d in clean_gifts])
                changes["gifts"] = [old_gifts, [list(g) for g in clean_gifts]]
        if changes:
            audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="person.gift_profile", subject=person,
                         person_id=person.pk, changes=changes)
    return person


def privacy_update(*, actor: Person, person: Person, visibility: dict[str, str]) -> Person:
    """Set who may see each private field. Keys are email, phone, address, photo, date_of_birth.
    Raises ValidationFailed."""
    access.access_edit_person(actor, person)
    errors = {}
    fields = {}
    for key, value in visibility.items():
        if f"{key}_visibility" not in VISIBILITY_FIELDS:
            errors[key] = ["Not a field with a privacy setting."]
        elif value not in Visibility.values:
            errors[key] = ["Choose coordinators, members or public."]
        else:
            fields[f"{key}_visibility"] = value
    if errors:
        raise ValidationFailed("Please correct the privacy settings.", fields=errors)
    with transaction.atomic(durable=True):
        old = snapshot(person, fields)
        for key, value in fields.items():
            setattr(person, key, value)
        changes = diff(old, snapshot(person, fields))
        if changes:
            person.save(update_fields=list(fields))
            audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="person.privacy", subject=person,
                         person_id=person.pk, changes=changes)
    return person


CONSENT_WORDING: dict[str, str] = {
    SensitiveField.HEALTH: "I agree that coproduce may keep what I tell it about my health, to match me with the "
    "right help. Only coordinators of my communities can see it. I can withdraw this at any time and it will be deleted.",
    SensitiveField.ETHNICITY: "I agree that coproduce may keep my ethnicity, only to report anonymously on who the "
    "community reaches. I can withdraw this at any time and it will be deleted.",
    SensitiveField.INCOME: "I agree that coproduce may keep my household income band, only to report anonymously "
    "on who the community reaches. I can withdraw this at any time and it will be deleted.",
}


def consent_give(*, actor: Person, person: Person, topic: str) -> Consent:
    access.access_edit_person(actor, person)
    if topic not in SensitiveField.values:
        raise ValidationFailed("Unknown topic.", fields={"topic": ["Unknown topic."]})
    with transaction.atomic(durable=True):
        current = Consent.objects.filter(person=person, topic=topic, withdrawn_at__isnull=True).first()
        if current:
            return current
        consent = Consent.objects.create(person=person, topic=topic, wording=CONSENT_WORDING[topic], recorded_by=actor)
        audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="consent.give", subject=consent,
                     person_id=person.pk, changes={"topic": [None, topic]})
    return consent


def consent_withdraw(*, actor: Person, person: Person, topic: str) -> None:
    """Withdraw a consent; the data it covered is deleted at once."""
    access.access_edit_person(actor, person)
    with transaction.atomic(durable=True):
        consent = Consent.objects.filter(person=person, topic=topic, withdrawn_at__isnull=True).first()
        if consent is None:
            raise NotFound("There is no consent to withdraw.")
        deleted, _ = SensitiveDatum.objects.filter(person=person, field=topic).delete()
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="consent.withdraw", subject=consent,
                     person_id=person.pk, changes={"topic": [topic, None], "data_deleted": [None, bool(deleted)]})


def sensitive_set(*, actor: Person, person: Person, field: str, value: str) -> SensitiveDatum | None:
    """Store a sensitive value, only under a standing consent. An empty value deletes it.
    Raises ValidationFailed, PermissionDenied (no consent)."""
    access.access_edit_person(actor, person)
    if field not in SensitiveField.values:
        raise ValidationFailed("Unknown field.", fields={"field": ["Unknown field."]})
    value = (value or "").strip()
    with transaction.atomic(durable=True):
        consent = Consent.objects.filter(person=person, topic=field, withdrawn_at__isnull=True).first()
        if consent is None:
            raise PermissionDenied(
                "This can only be stored with a recorded consent. Record the consent first.", code="consent_required"
            )
        existing = SensitiveDatum.objects.filter(person=person, field=field).first()
        if not value:
            if existing:
                existing.delete()
                audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="sensitive.delete",
                             subject=person, person_id=person.pk, changes={field: ["(set)", None]})
            return None
        if existing:
            existing.value = value
            existing.consent = consent
            existing.updated_at = timezone.now()
            existing.save(update_fields=["value", "consent", "updated_at"])
            datum = existing
        else:
            datum = SensitiveDatum.objects.create(person=person, field=field, value=value, consent=consent)
        # The value itself never goes into the audit log.
        audit_record(actor=actor, on_behalf_of=_behalf(actor, person), action="sensitive.set", subject=person,
                     person_id=person.pk, changes={field: [("(set)" if existing else None), "(set)"]})
    return datum


# Contact relay -------------------------------------------------------------------------------


def contact_relay_send(*, actor: Person, community: Community, recipient: Membership, message: str) -> ContactRelay:
    """Pass a message to another member without showing either's details. Raises
    ValidationFailed, NotFound (not in the community)."""
    message = (message or "").strip()
    if not message:
        raise ValidationFailed("Write a message first.", fields={"message": ["Write a message first."]})
    if len(message) > 2000:
        raise ValidationFailed("Keep the message under 2,000 characters.", fields={"message": ["Too long."]})
    sender_membership = access.membership_of(actor, community)
    if sender_membership is None or recipient.community_id != community.pk or not recipient.is_active:
        raise NotFound("No such member.")
    if recipient.person_id == actor.pk:
        raise ValidationFailed("You cannot send a message to yourself.")
    person = recipient.person
    by_email = bool(person.email) and not person.is_offline and person.pseudonymised_at is None
    with transaction.atomic(durable=True):
        relay = ContactRelay.objects.create(
            community=community, sender=actor, recipient=person, message=message,
            via="email" if by_email else "coordinator",
        )
        audit_record(actor=actor, action="contact.relay", subject=relay, community_id=community.pk, person_id=person.pk)
    if by_email:
        _send_after_commit(
            f"A message from {actor.display_name} ({community.name})",
            f"{actor.display_name} ({sender_membership.member_code}) sent you this message through {community.name}:\n\n"
            f"{message}\n\nYour contact details have not been shared. To reply, use the member directory at "
            f"{settings.SITE_URL}{reverse('web:member_detail', args=[community.slug, sender_membership.number])}\n",
            [person.email or ""],
        )
    return relay


def contact_relay_passed_on(*, actor: Person, relay: ContactRelay) -> ContactRelay:
    with transaction.atomic(durable=True):
        locked = ContactRelay.objects.select_for_update().get(pk=relay.pk)
        if locked.passed_on_at is not None:
            raise Conflict("This message has already been passed on.")
        locked.passed_on_at = timezone.now()
        locked.passed_on_by = actor
        locked.save(update_fields=["passed_on_at", "passed_on_by"])
        audit_record(actor=actor, action="contact.passed_on", subject=locked, community_id=locked.community_id,
                     person_id=locked.recipient_id)
    return locked


# Acting on behalf ----------------------------------------------------------------------------


def acting_for_start(*, actor: Person, membership: Membership) -> None:
    """Record that a coordinator has started acting for an offline member. Raises
    PermissionDenied/NotFound through the access helpers."""
    access.access_coordinate(actor, membership.community)
    if membership.person_id == actor.pk:
        raise ValidationFailed("You cannot act on behalf of yourself.")
    if not membership.is_active:
        raise Conflict("This member has left the community.")
    with transaction.atomic(durable=True):
        audit_record(actor=actor, on_behalf_of=membership.person, action="acting_for.start", subject=membership,
                     community_id=membership.community_id, person_id=membership.person_id)


def acting_for_stop(*, actor: Person, membership: Membership) -> None:
    with transaction.atomic(durable=True):
        audit_record(actor=actor, on_behalf_of=membership.person, action="acting_for.stop", subject=membership,
                     community_id=membership.community_id, person_id=membership.person_id)


# Leaving -------------------------------------------------------------------------------------


def member_offboard(*, actor: Person, membership: Membership, reason: str, pseudonymise: bool = True) -> Membership:
    """Archive a membership. When the person then belongs nowhere, their personal data is
    pseudonymised: the same record stays behind the ledger and audit history, unnamed.
    Their hours account is closed with a closing transfer (see ledger.services.account_close).
    Raises ValidationFailed (no reason), Conflict (already left, the last coordinator,
    reservations still held)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Give a reason."]})
    with transaction.atomic(durable=True):
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status == MembershipStatus.ARCHIVED:
            raise Conflict("This member has already left.")
        if MembershipRole.objects.filter(membership=locked, role=Role.COORDINATOR).exists() and (
            MembershipRole.objects.filter(
                membership__community_id=locked.community_id, role=Role.COORDINATOR,
                membership__status=MembershipStatus.ACTIVE,
            ).count() <= 1
        ):
            raise Conflict("A community needs at least one coordinator; appoint another first.")
        # The hours account is closed, never deleted: time left over goes to the community fund.
        from coproduce.ledger import services as ledger_services

        ledger_services.member_account_close(
            actor=actor, community=locked.community, person=locked.person, reason=f"Left the community: {reason}"
        )
        old = locked.status
        locked.status = MembershipStatus.ARCHIVED
        locked.archived_at = timezone.now()
        locked.save(update_fields=["status", "archived_at"])
        audit_record(actor=actor, on_behalf_of=_behalf(actor, locked.person), action="membership.archive",
                     subject=locked, community_id=locked.community_id, person_id=locked.person_id,
                     changes={"status": [old, locked.status]}, note=reason)
        still_member = Membership.objects.filter(person_id=locked.person_id).exclude(
            status=MembershipStatus.ARCHIVED
        ).exists()
        if pseudonymise and not still_member:
            _pseudonymise(actor=actor, person=locked.person, reason=reason)
    access.forget_roles(membership.person)
    membership.refresh_from_db()
    return membership


def _pseudonymise(*, actor: Person, person: Person, reason: str) -> None:
    person.full_name = f"Former member {person.pk}"
    person.known_as = ""
    person.email = None
    person.username = None
    person.phone = ""
    person.address = ""
    person.neighbourhood = ""
    person.date_of_birth = None
    if person.photo:
        person.photo.delete(save=False)
    person.photo = ""
    person.availability = []
    person.languages = ""
    person.accessibility_needs = ""
    person.contact_preferences = []
    person.is_active = False
    person.set_unusable_password()
    person.pseudonymised_at = timezone.now()
    person.save()
    person.gifts.all().delete()
    SensitiveDatum.objects.filter(person=person).delete()
    Consent.objects.filter(person=person, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    AccessToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
    SignInToken.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    Application.objects.filter(person=person).update(full_name=person.full_name, email="", phone="", about="")
    CoordinatorNote.objects.filter(person=person).update(text="(removed when the member left)")
    audit_record(actor=actor, action="person.pseudonymise", subject=person, person_id=person.pk, note=reason)


# Access tokens -------------------------------------------------------------------------------


def token_create(*, actor: Person, person: Person, name: str, community: Community | None = None) -> tuple[AccessToken, str]:
    """Create a personal access token; the secret is returned once and stored only as a hash.
    Raises ValidationFailed, PermissionDenied."""
    if actor.pk != person.pk and not getattr(actor, "is_operator", False):
        raise PermissionDenied("You can only create tokens for yourself.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name the token so you can recognise it later.", fields={"name": ["Required."]})
    if community is not None and access.membership_of(person, community) is None:
        raise NotFound("No such community, or you are not a member of it.")
    secret = new_secret("cp_")
    with transaction.atomic(durable=True):
        token = AccessToken.objects.create(
            person=person, community=community, name=name[:80], prefix=secret[:10], token_hash=secret_hash(secret)
        )
        audit_record(actor=actor, action="token.create", subject=token, person_id=person.pk,
                     community_id=community.pk if community else None, changes={"name": [None, token.name]})
    return token, secret


def token_revoke(*, actor: Person, token: AccessToken) -> AccessToken:
    if actor.pk != token.person_id and not getattr(actor, "is_operator", False):
        raise NotFound("No such token.")
    with transaction.atomic(durable=True):
        locked = AccessToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise Conflict("This token was already revoked.")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", subject=locked, person_id=locked.person_id)
    return locked


def token_touch(token: AccessToken) -> None:
    """Note when a token was last used, at most once a minute (not a state change worth auditing)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)


# Neighbourhoods --------------------------------------------------------------------------------

NEIGHBOURHOOD_NAME_MAX = 80


def _neighbourhood_values(name: Any, lat: Any, lng: Any) -> tuple[str, str, float, float]:
    errors: dict[str, list[str]] = {}
    name = name.strip() if isinstance(name, str) else ""
    slug = slugify(name)[:80]
    if not name:
        errors["name"] = ["Give the neighbourhood a name."]
    elif len(name) > NEIGHBOURHOOD_NAME_MAX:
        errors["name"] = [f"At most {NEIGHBOURHOOD_NAME_MAX} characters."]
    elif any(unicodedata.category(ch) == "Cc" for ch in name):
        errors["name"] = ["Remove the invisible control characters."]
    elif not slug:
        errors["name"] = ["Use some letters or digits in the name."]
    point: list[float] = []
    for field, value, limit in (("lat", lat, 90), ("lng", lng, 180)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            errors[field] = ["Give a number, such as 51.5072."]
        elif not -limit <= number <= limit:
            errors[field] = [f"Between -{limit} and {limit}."]
        point.append(round(number, 4) if math.isfinite(number) else 0.0)
    if errors:
        raise ValidationFailed("Please correct the neighbourhood.", fields=errors)
    return name, slug, point[0], point[1]


def _neighbourhood_taken(community: Community, name: str, slug: str, exclude: int | None = None) -> None:
    others = Neighbourhood.objects.filter(community=community)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.filter(slug=slug).exists() or others.filter(name__iexact=name).exists():
        raise Conflict(f"There is already a neighbourhood called '{name}'.", code="neighbourhood_exists",
                       fields={"name": ["Already in the list."]})


def neighbourhood_add(*, actor: Person, community: Community, name: str, lat: Any, lng: Any) -> Neighbourhood:
    """A coordinator names a part of the community's area and its rough centre, so members can
    search near it. Raises PermissionDenied, ValidationFailed, Conflict (`neighbourhood_exists`)."""
    access.access_coordinate(actor, community)
    name, slug, lat, lng = _neighbourhood_values(name, lat, lng)
    _neighbourhood_taken(community, name, slug)
    try:
        with transaction.atomic(durable=True):
            neighbourhood = Neighbourhood.objects.create(community=community, name=name, slug=slug, lat=lat, lng=lng)
            audit_record(actor=actor, action="neighbourhood.add", subject=neighbourhood, community_id=community.pk,
                         changes={"name": [None, name], "lat": [None, lat], "lng": [None, lng]})
    except IntegrityError:
        raise Conflict(f"There is already a neighbourhood called '{name}'.", code="neighbourhood_exists",
                       fields={"name": ["Already in the list."]}) from None
    return neighbourhood


def neighbourhood_update(*, actor: Person, neighbourhood: Neighbourhood, name: str, lat: Any, lng: Any) -> Neighbourhood:
    """A coordinator renames a neighbourhood or moves its centre. Raises PermissionDenied,
    ValidationFailed, Conflict (`neighbourhood_exists`)."""
    community = neighbourhood.community
    access.access_coordinate(actor, community)
    name, slug, lat, lng = _neighbourhood_values(name, lat, lng)
    _neighbourhood_taken(community, name, slug, exclude=neighbourhood.pk)
    try:
        with transaction.atomic(durable=True):
            locked = Neighbourhood.objects.select_for_update().get(pk=neighbourhood.pk)
            old = snapshot(locked, ["name", "slug", "lat", "lng"])
            locked.name, locked.slug, locked.lat, locked.lng = name, slug, lat, lng
            changes = diff(old, snapshot(locked, ["name", "slug", "lat", "lng"]))
            if changes:
                locked.save(update_fields=["name", "slug", "lat", "lng"])
                audit_record(actor=actor, action="neighbourhood.update", subject=locked, community_id=community.pk,
                             changes=changes)
    except IntegrityError:
        raise Conflict(f"There is already a neighbourhood called '{name}'.", code="neighbourhood_exists",
                       fields={"name": ["Already in the list."]}) from None
    return locked
