"""Applications to join: the public way in (limited, and held until an emailed link
confirms the address), a coordinator's entry for someone, and the coordinators' decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from coproduce.communities import access
from coproduce.core import ratelimit
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.tokens import new_secret, secret_hash

from ..models import (
    Application,
    ApplicationStatus,
    Community,
    ContactChannel,
    Membership,
    MembershipStatus,
    Person,
    Reference,
    ReferenceOutcome,
    ReferenceStatus,
    UnconfirmedApplication,
)
from ..selectors.communities import rules_for
from .common import _send_after_commit
from .memberships import _membership_create
from .sign_in import welcome_send

APPLICATION_CONFIRM_HOURS = 24


def application_problems(
    *, full_name: str, email: str, phone: str, contact_preference: str, address: str = ""
) -> dict[str, list[str]]:
    """Everything missing from an application, all at once (the web form and the API show
    every problem on the first try). Pure: reads and writes nothing."""
    has = {
        name: bool((value or "").strip())
        for name, value in (
            ("full_name", full_name),
            ("email", email),
            ("phone", phone),
            ("address", address),
        )
    }
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


def _application_values(
    full_name: str,
    email: str,
    phone: str,
    neighbourhood: str,
    address: str,
    contact_preference: str,
    about: str,
) -> dict[str, Any]:
    """Normalised, checked values. Raises ValidationFailed with every problem at once."""
    values = {
        "full_name": (full_name or "").strip(),
        "email": (email or "").strip().lower(),
        "phone": (phone or "").strip(),
        "neighbourhood": (neighbourhood or "").strip(),
        "address": (address or "").strip(),
        "contact_preference": contact_preference,
        "about": about or "",
    }
    errors = application_problems(
        full_name=values["full_name"],
        email=values["email"],
        phone=values["phone"],
        contact_preference=contact_preference,
        address=values["address"],
    )
    if errors:
        raise ValidationFailed("Please correct the application.", fields=errors)
    return values


def application_submit(
    *,
    actor: Actor | None,
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
    values = _application_values(
        full_name, email, phone, neighbourhood, address, contact_preference, about
    )
    with transaction.atomic(durable=True):
        application = _application_record(actor=actor, community=community, values=values)
    _acknowledge(application)
    return application


def _application_record(
    *, actor: Actor | None, community: Community, values: dict[str, Any], note: str = ""
) -> Application:
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
                    email=email or None,
                    full_name=values["full_name"],
                    phone=values["phone"],
                    neighbourhood=values["neighbourhood"],
                    address=values["address"],
                    contact_preferences=[values["contact_preference"]],
                    is_offline=not email,
                )
        except IntegrityError:
            # The same person applied at the same moment in another request.
            raise Conflict(
                "An application to this community is already waiting for a coordinator.",
                code="duplicate_application",
            ) from None
    try:
        with transaction.atomic():
            application = Application.objects.create(
                community=community, person=person, submitted_by=helper, **values
            )
    except IntegrityError:
        raise Conflict(
            "An application to this community is already waiting for a coordinator.",
            code="duplicate_application",
        ) from None
    audit_record(
        actor=helper,
        on_behalf_of=person if acting_coordinator else None,
        action="application.submit",
        subject=application,
        community_id=community.pk,
        person_id=person.pk,
        changes={"status": [None, ApplicationStatus.PENDING]},
        note=note,
    )
    return application


def _refuse_second_application(community: Community, person: Person) -> None:
    if (
        Membership.objects.filter(community=community, person=person)
        .exclude(status=MembershipStatus.ARCHIVED)
        .exists()
    ):
        raise Conflict("You are already a member of this community.", code="already_member")
    if Application.objects.filter(
        community=community, person=person, status=ApplicationStatus.PENDING
    ).exists():
        raise Conflict(
            "An application to this community is already waiting for a coordinator.",
            code="duplicate_application",
        )


def _acknowledge(application: Application) -> None:
    if application.email:
        _send_after_commit(
            f"Your application to {application.community.name}",
            f"Dear {application.full_name},\n\nThank you for applying to join "
            f"{application.community.name}. A coordinator will be in touch to arrange a friendly "
            "chat.\n",
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
    actor: Actor | AnonymousUser | None,
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
    values = _application_values(
        full_name, email, phone, neighbourhood, address, contact_preference, about
    )
    helper = actor if actor is not None and actor.is_authenticated else None
    if helper is not None and access.is_coordinator(helper, community):
        return ApplicationRequested(application_submit(actor=helper, community=community, **values))
    ratelimit.consume(
        "apply",
        ratelimit.parse_rates(settings.APPLY_RATE_LIMIT),
        ip=client,
        key=values["email"] or values["phone"],
        message=_too_many_applications_message(),
    )
    own_address = (
        helper is not None
        and bool(values["email"])
        and (helper.email or "").lower() == values["email"]
    )
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
            community=community,
            person=helper,
            token_hash=secret_hash(token),
            expires_at=timezone.now() + dt.timedelta(hours=APPLICATION_CONFIRM_HOURS),
            **values,
        )
    link = settings.SITE_URL + reverse("web:apply_confirm", args=[token])
    _send_after_commit(
        f"Confirm your application to {community.name}",
        f"Someone asked to join {community.name} with this email address. If it was you, confirm "
        f"it here within {APPLICATION_CONFIRM_HOURS} hours:\n\n{link}\n\nIf it was not you, ignore "
        "this email: the application is deleted and nothing more happens.\n",
        [values["email"]],
    )
    return ApplicationRequested(None, held)


def _too_many_applications_message() -> str:
    return (
        "Too many applications have been sent from here or for this address. "
        "Please try again later, or ask a coordinator to apply for you."
    )


def application_confirm(*, token: str) -> Application:
    """The applicant followed the emailed link: record the held application (coordinators see
    it from now on) and send the full acknowledgement. Raises NotFound (unknown link), Conflict
    (`already_confirmed`, `link_expired`, `already_member`, `duplicate_application`)."""
    with transaction.atomic(durable=True):
        try:
            held = UnconfirmedApplication.objects.select_for_update().get(
                token_hash=secret_hash(token)
            )
        except UnconfirmedApplication.DoesNotExist:
            raise NotFound(
                "This confirmation link is not valid, or it has expired. Please apply again."
            ) from None
        if held.application_id is not None:
            raise Conflict(
                "You have already confirmed this application. Thank you.", code="already_confirmed"
            )
        if held.expires_at <= timezone.now():
            raise Conflict(
                "This confirmation link has expired. Please apply again.", code="link_expired"
            )
        values = {
            name: getattr(held, name)
            for name in (
                "full_name",
                "email",
                "phone",
                "neighbourhood",
                "address",
                "contact_preference",
                "about",
            )
        }
        application = _application_record(
            actor=held.person,
            community=held.community,
            values=values,
            note="Email address confirmed by the applicant.",
        )
        held.application = application
        held.save(update_fields=["application"])
    _acknowledge(application)
    return application


def unconfirmed_applications_expire() -> int:
    """Delete held applications whose link has expired (confirmed or not). They were never
    community data (nobody but their sender saw them), so no audit row is written. Run
    periodically."""
    deleted, _by_model = UnconfirmedApplication.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return deleted


def _pending(application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.PENDING:
        raise Conflict(
            f"This application has already been {locked.get_status_display().lower()}.",
            code="already_decided",
        )
    return locked


def application_approve(*, actor: Actor, application: Application, reason: str = "") -> Membership:
    """Approve: the applicant becomes a member with the next member number. Raises Conflict
    (already decided; not enough supporting references under the community's rules)."""
    needed = rules_for(application.community)["references_required"]
    with transaction.atomic(durable=True):
        locked = _pending(application)
        supporting = Reference.objects.filter(
            application=locked, status=ReferenceStatus.ANSWERED, outcome=ReferenceOutcome.SUPPORTS
        ).count()
        if supporting < needed:
            needs = ngettext(
                "This community needs %(needed)d supporting reference before approval;",
                "This community needs %(needed)d supporting references before approval;",
                needed,
            ) % {"needed": needed}
            got = ngettext("%(got)d received so far.", "%(got)d received so far.", supporting) % {
                "got": supporting
            }
            raise Conflict(
                f"{needs} {got if supporting else 'none received so far.'}",
                code="references_needed",
            )
        existing = Membership.objects.filter(
            community=locked.community, person=locked.person
        ).first()
        if existing is not None:
            if existing.status != MembershipStatus.ARCHIVED:
                raise Conflict("This person is already a member.", code="already_member")
            old_status = existing.status
            existing.status = MembershipStatus.ACTIVE
            existing.archived_at = None
            existing.save(update_fields=["status", "archived_at"])
            audit_record(
                actor=actor,
                action="membership.rejoin",
                subject=existing,
                community_id=existing.community_id,
                person_id=existing.person_id,
                changes={"status": [old_status, existing.status]},
            )
            membership = existing
        else:
            membership = _membership_create(
                actor=actor, community=locked.community, person=locked.person, roles=[]
            )
        locked.status = ApplicationStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_reason = (reason or "").strip()
        locked.membership = membership
        locked.save(
            update_fields=["status", "decided_at", "decided_by", "decision_reason", "membership"]
        )
        audit_record(
            actor=actor,
            action="application.approve",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.person_id,
            changes={"status": [ApplicationStatus.PENDING, ApplicationStatus.APPROVED]},
            note=locked.decision_reason,
        )
        # Their member number and a set-password link of their own (sent after commit).
        welcome_send(
            actor=actor, person=locked.person, community=locked.community, email=locked.email
        )
    application.refresh_from_db()
    return membership


def application_decline(*, actor: Actor, application: Application, reason: str) -> Application:
    """Raises ValidationFailed (no reason), Conflict (already decided)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Give a reason for declining.", fields={"reason": ["Give a reason for declining."]}
        )
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
        audit_record(
            actor=actor,
            action="application.decline",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.person_id,
            changes={"status": [ApplicationStatus.PENDING, ApplicationStatus.DECLINED]},
            note=reason,
        )
    application.refresh_from_db()
    return application
