"""Graduated sanctions and their appeals. A coordinator records a step (reminder, warning,
suspension, exclusion) with the rule broken, the reason and who decided, within the rulebook's
rules (`sanction_highest_step`, `sanction_steps_in_order`, `suspension_days`, `appeal_days`).
A suspension sets the membership suspended until its end (a timed job ends it); an exclusion
suspends at once and ends the membership (communities' `member_offboard`: the hours account is
closed as for anyone leaving) once the appeal window has closed with no appeal, or the panel has
upheld it. The member appeals once, within the window; the panel (coordinators and stewards but
not whoever decided) upholds, overturns or changes it to a lighter step. Every write is audited;
the member is told when sanctioned and when the appeal is decided, the panel when an appeal
arrives."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import member_refs
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors.rules import RULES
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import suspensions as suspensions_services
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from coproduce.notifications.services import notifications as notifications_services

from ..access import access_appeal, access_appeal_decide, access_sanction
from ..models import (
    SANCTION_ORDER,
    Appeal,
    AppealOutcome,
    Sanction,
    SanctionStatus,
    SanctionStep,
)
from ..selectors import sanctions as sanctions_selectors

logger = logging.getLogger(__name__)

SUSPENDING = (SanctionStep.SUSPENSION, SanctionStep.EXCLUSION)


def _text(errors: dict, name: str, value: Any, maximum: int, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = ["Write this as text."]
        return ""
    if required and not text:
        errors[name] = ["Write something here."]
    elif len(text) > maximum:
        errors[name] = [f"Write at most {maximum} characters."]
    return text


def _when(community, moment: dt.datetime) -> str:
    return formats.date_format(communities_selectors.local_now(community, moment), "j F Y")


def _url(sanction: Sanction) -> str:
    return f"/c/{sanction.community.slug}/sanctions/{sanction.number}/"


def _membership_named(community, member: Any):
    """The membership `member` (a member number: 42, "42", "RIV-0042") names, active or
    suspended. Raises ValidationFailed naming the field `member`."""
    number = member_refs.member_number_in(community, member if member is not None else "")
    membership = None
    if number is not None:
        try:
            membership = memberships_selectors.membership_by_number(community, number)
        except NotFound:
            membership = None
    if membership is None or membership.status == "archived":
        raise ValidationFailed(
            "Name a member of the community.",
            code="not_a_member",
            fields={"member": [f"{member} is not a member of {community.name}."]},
        )
    return membership


def _check_step(errors: dict, rules: dict, membership, step: Any) -> None:
    if step not in SANCTION_ORDER:
        errors["step"] = [f"Choose one of: {', '.join(SANCTION_ORDER)}."]
        return
    highest = rules["sanction_highest_step"]
    if SANCTION_ORDER.index(step) > SANCTION_ORDER.index(highest):
        label = dict(RULES["sanction_highest_step"].choices)[highest]
        errors["step"] = [f"The rulebook allows no {step} here (its sanctions go {label.lower()})."]
        return
    if rules["sanction_steps_in_order"] == "yes":
        standing = sanctions_selectors.heaviest_standing_step(membership)
        if SANCTION_ORDER.index(step) > standing + 1:
            nxt = SANCTION_ORDER[standing + 1]
            errors["step"] = [
                f"The rulebook takes sanctions one step at a time: the next for this member is "
                f"a {nxt}."
            ]


def sanction_create(
    *,
    actor: Actor,
    community,
    member: Any,
    step: str,
    rule_broken: str,
    reason: str,
    rule_key: str = "",
) -> Sanction:
    """A coordinator records a sanction on a member. A suspension suspends the membership for
    the rulebook's `suspension_days`; an exclusion suspends it until the exclusion is carried
    out. The member is told. Raises NotFound, PermissionDenied (`coordinators_only`,
    `suspended`), ValidationFailed (`member`: not a member, oneself; `step`: not one the
    rulebook allows, skipping a step; `rule_broken`, `rule_key`, `reason`), Conflict
    (`already_suspended`: a second suspension while one is in force)."""
    community_access.access_coordinate(actor, community)
    rules = communities_selectors.rules_for(community)
    membership = _membership_named(community, member)
    if membership.person_id == actor.pk:
        raise ValidationFailed(
            "You cannot sanction yourself.",
            code="own_sanction",
            fields={"member": ["You cannot sanction yourself: ask another coordinator."]},
        )
    errors: dict[str, list[str]] = {}
    _check_step(errors, rules, membership, step)
    rule_broken = _text(errors, "rule_broken", rule_broken, limits.LINE)
    reason = _text(errors, "reason", reason, limits.TEXT)
    rule_key = _text(errors, "rule_key", rule_key, 60, required=False)
    if rule_key and rule_key not in RULES:
        errors["rule_key"] = ["There is no rule with this name in the rulebook."]
    if errors:
        raise ValidationFailed("Please correct the sanction.", fields=errors)
    now = timezone.now()
    with transaction.atomic(durable=True):
        # Numbered S-1, S-2, ... under the community's lock.
        communities_services.community_lock(community)
        # The step again, under the lock: two coordinators at once cannot both skip a step.
        _check_step(errors, rules, membership, step)
        if errors:
            raise ValidationFailed("Please correct the sanction.", fields=errors)
        if (
            step == SanctionStep.SUSPENSION
            and sanctions_selectors.suspending(membership) is not None
        ):
            raise Conflict(
                "This member is suspended already; lift that first or record an exclusion.",
                code="already_suspended",
            )
        number = (
            Sanction.objects.filter(community=community).aggregate(last=Max("number"))["last"] or 0
        ) + 1
        sanction = Sanction.objects.create(
            community=community,
            number=number,
            membership=membership,
            person=membership.person,
            step=step,
            rule_broken=rule_broken,
            rule_key=rule_key,
            reason=reason,
            decided_by=actor,
            created_at=now,
            appeal_until=now + dt.timedelta(days=rules["appeal_days"]),
            ends_at=now + dt.timedelta(days=rules["suspension_days"])
            if step == SanctionStep.SUSPENSION
            else None,
        )
        audit_record(
            actor=actor,
            action="sanction.create",
            subject=sanction,
            community_id=community.pk,
            person_id=membership.person_id,
            changes={
                "step": [None, step],
                "rule_broken": [None, rule_broken],
                "ends_at": [None, sanction.ends_at.isoformat() if sanction.ends_at else None],
            },
            note=reason,
        )
        if step in SUSPENDING:
            suspensions_services.membership_suspend(
                actor=actor, membership=membership, reason=f"{sanction.code}: {step}"
            )
        _tell_sanctioned(sanction)
    return sanction


def _tell_sanctioned(sanction: Sanction) -> None:
    community = sanction.community
    what = {
        SanctionStep.REMINDER: "a reminder",
        SanctionStep.WARNING: "a warning",
        SanctionStep.SUSPENSION: "a suspension",
        SanctionStep.EXCLUSION: "an exclusion",
    }[SanctionStep(sanction.step)]
    lines = [f"Rule broken: {sanction.rule_broken}.", f"Why: {sanction.reason}"]
    if sanction.step == SanctionStep.SUSPENSION and sanction.ends_at:
        lines.append(
            f"Until {_when(community, sanction.ends_at)} you can read, message a coordinator "
            "and appeal, but not record, post, sign up, redeem or vote."
        )
    if sanction.step == SanctionStep.EXCLUSION:
        lines.append(
            "Your membership ends when the time to appeal has passed, unless you appeal. Until "
            "then you can read, message a coordinator and appeal."
        )
    lines.append(f"You may appeal until {_when(community, sanction.appeal_until)}.")
    notifications_services.notify(
        person=sanction.person,
        kind="sanction",
        title=f"{community.name} has given you {what} ({sanction.code})",
        body="\n".join(lines),
        url=_url(sanction),
        community=community,
    )


def _locked(sanction: Sanction) -> Sanction:
    return (
        Sanction.objects.select_for_update()
        .select_related("community", "membership", "person")
        .get(pk=sanction.pk)
    )


def _settle_membership(actor: Actor | None, sanction: Sanction, reason: str) -> None:
    """After a sanction changes: the membership is suspended exactly while a suspension or an
    exclusion of it is in force."""
    if sanctions_selectors.suspending(sanction.membership) is None:
        if sanction.membership.status == "suspended":
            suspensions_services.membership_reinstate(
                actor=actor, membership=sanction.membership, reason=reason
            )
    else:
        suspensions_services.membership_suspend(
            actor=actor, membership=sanction.membership, reason=reason
        )


def sanction_lift(*, actor: Actor, sanction: Sanction, reason: str) -> Sanction:
    """A coordinator lifts a sanction in force (a suspension ends early, an exclusion is not
    carried out, a reminder or warning is withdrawn); the membership is active again unless
    another suspension holds. Raises NotFound, PermissionDenied (`coordinators_only`,
    `suspended`), ValidationFailed (`reason`), Conflict (`not_in_force`)."""
    access_sanction(actor, sanction)
    community_access.access_coordinate(actor, sanction.community)
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, limits.TEXT)
    if errors:
        raise ValidationFailed("Say why the sanction is lifted.", fields=errors)
    with transaction.atomic(durable=True):
        locked = _locked(sanction)
        if locked.status != SanctionStatus.IN_FORCE:
            raise Conflict(
                f"{locked.code} is {locked.get_status_display().lower()}, not in force.",
                code="not_in_force",
            )
        locked.status = SanctionStatus.LIFTED
        locked.ended_at = timezone.now()
        locked.lifted_by = actor
        locked.lift_reason = reason
        locked.save(update_fields=["status", "ended_at", "lifted_by", "lift_reason"])
        audit_record(
            actor=actor,
            action="sanction.lift",
            subject=locked,
            community_id=locked.community_id,
            person_id=locked.person_id,
            changes={"status": [SanctionStatus.IN_FORCE, SanctionStatus.LIFTED]},
            note=reason,
        )
        _settle_membership(actor, locked, f"{locked.code} lifted")
        notifications_services.notify(
            person=locked.person,
            kind="sanction",
            title=f"{locked.code} has been lifted",
            body=reason,
            url=_url(locked),
            community=locked.community,
        )
    return locked


def appeal_make(*, actor: Actor, sanction: Sanction, grounds: str) -> Appeal:
    """The member appeals their own sanction, once, within the rulebook's window (fixed when
    the sanction was decided); the panel is told. Raises NotFound, PermissionDenied
    (`not_your_sanction`), ValidationFailed (`grounds`; `sanction`: appealed already, the window
    has closed, no longer in force)."""
    access_appeal(actor, sanction)
    errors: dict[str, list[str]] = {}
    grounds = _text(errors, "grounds", grounds, limits.TEXT)
    if errors:
        raise ValidationFailed("Please give your grounds.", fields=errors)
    with transaction.atomic(durable=True):
        locked = _locked(sanction)
        _appealable(locked)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(sanction=locked, appellant=actor, grounds=grounds)
        except IntegrityError:  # the constraint: an appeal made at the same moment
            raise _appealed_already(locked) from None
        audit_record(
            actor=actor,
            action="appeal.make",
            subject=appeal,
            community_id=locked.community_id,
            person_id=locked.person_id,
            changes={"sanction": [None, locked.code]},
            note=grounds,
        )
        for person in sanctions_selectors.appeal_panel(locked):
            notifications_services.notify(
                person=person,
                kind="appeal_made",
                title=f"{locked.code} has been appealed: the panel decides",
                body=(
                    f"{locked.person.display_name} appeals a {locked.step}. You are on the panel "
                    "because you did not decide it."
                ),
                url=_url(locked),
                community=locked.community,
            )
    return appeal


def _appealed_already(sanction: Sanction) -> ValidationFailed:
    return ValidationFailed(
        "This sanction has been appealed already: each sanction is appealed once.",
        code="appealed_already",
        fields={"sanction": [f"{sanction.code} has been appealed already."]},
    )


def _appealable(sanction: Sanction) -> None:
    if Appeal.objects.filter(sanction=sanction).exists():
        raise _appealed_already(sanction)
    if timezone.now() >= sanction.appeal_until:
        raise ValidationFailed(
            "The time to appeal this sanction has passed.",
            code="appeal_window_closed",
            fields={
                "sanction": [
                    f"Appeals of {sanction.code} closed on "
                    f"{_when(sanction.community, sanction.appeal_until)}."
                ]
            },
        )
    if sanction.status != SanctionStatus.IN_FORCE and sanction.step in SUSPENDING:
        raise ValidationFailed(
            "This sanction is no longer in force.",
            code="not_in_force",
            fields={"sanction": [f"{sanction.code} is {sanction.get_status_display().lower()}."]},
        )


def appeal_decide(
    *,
    actor: Actor,
    sanction: Sanction,
    outcome: str,
    reason: str,
    changed_to: str = "",
) -> Appeal:
    """A panel member records the appeal's outcome: upheld, overturned (a suspension or an
    exclusion waiting ends: the membership is active again), or changed to a lighter step
    (an exclusion changed to a suspension runs the rulebook's `suspension_days` from now). The
    member is told. An upheld exclusion is carried out straight after. Raises NotFound,
    PermissionDenied (`not_on_panel`, `suspended`), ValidationFailed (`outcome`, `changed_to`,
    `reason`), Conflict (`no_appeal`, `already_decided`)."""
    access_appeal_decide(actor, sanction)
    errors: dict[str, list[str]] = {}
    if outcome not in AppealOutcome.values:
        errors["outcome"] = [f"Choose one of: {', '.join(AppealOutcome.values)}."]
    reason = _text(errors, "reason", reason, limits.TEXT)
    changed_to = changed_to or ""
    if outcome == AppealOutcome.CHANGED:
        if changed_to not in SANCTION_ORDER or SANCTION_ORDER.index(
            changed_to
        ) >= SANCTION_ORDER.index(sanction.step):
            lighter = SANCTION_ORDER[: SANCTION_ORDER.index(sanction.step)]
            errors["changed_to"] = [
                f"Choose a lighter step than {sanction.step}: {', '.join(lighter)}."
                if lighter
                else "A reminder is the lightest step: uphold or overturn it."
            ]
    elif changed_to:
        errors["changed_to"] = ["Only a changed outcome names a lighter step."]
    if errors:
        raise ValidationFailed("Please correct the outcome.", fields=errors)
    rules = communities_selectors.rules_for(sanction.community)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = _locked(sanction)
        try:
            appeal = Appeal.objects.select_for_update().get(sanction=locked)
        except Appeal.DoesNotExist:
            raise Conflict("This sanction has not been appealed.", code="no_appeal") from None
        if appeal.outcome:
            raise Conflict(
                f"The panel has decided this appeal already: {appeal.get_outcome_display()}.",
                code="already_decided",
            )
        appeal.outcome = outcome
        appeal.changed_to = changed_to
        appeal.outcome_reason = reason
        appeal.decided_by = actor
        appeal.decided_at = now
        appeal.save(
            update_fields=["outcome", "changed_to", "outcome_reason", "decided_by", "decided_at"]
        )
        old = {"status": locked.status, "step": locked.step}
        fields = []
        if outcome == AppealOutcome.OVERTURNED:
            locked.status = SanctionStatus.OVERTURNED
            locked.ended_at = now
            fields = ["status", "ended_at"]
        elif outcome == AppealOutcome.CHANGED:
            locked.step = changed_to
            fields = ["step", "ends_at"]
            if changed_to == SanctionStep.SUSPENSION:
                locked.ends_at = now + dt.timedelta(days=rules["suspension_days"])
            else:
                locked.ends_at = None
        if fields:
            locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="appeal.decide",
            subject=appeal,
            community_id=locked.community_id,
            person_id=locked.person_id,
            changes={
                "outcome": ["", outcome],
                "sanction.status": [old["status"], locked.status],
                "sanction.step": [old["step"], locked.step],
            },
            note=reason,
        )
        if locked.status == SanctionStatus.IN_FORCE or outcome == AppealOutcome.OVERTURNED:
            _settle_membership(actor, locked, f"{locked.code}: appeal {outcome}")
        said = {
            AppealOutcome.UPHELD: "upheld",
            AppealOutcome.OVERTURNED: "overturned",
            AppealOutcome.CHANGED: f"changed to a {changed_to}",
        }[AppealOutcome(outcome)]
        notifications_services.notify(
            person=locked.person,
            kind="appeal_decided",
            title=f"Your appeal of {locked.code}: the sanction was {said}",
            body=reason,
            url=_url(locked),
            community=locked.community,
        )
    if outcome == AppealOutcome.UPHELD and locked.step == SanctionStep.EXCLUSION:
        exclusion_carry_out(locked)
    return appeal


def exclusion_carry_out(sanction: Sanction) -> bool:
    """End the membership of an exclusion due (the window closed unappealed, or upheld):
    communities' `member_offboard` archives it and the ledger's leaving hook closes the hours
    account as for anyone leaving. True when done; False when leaving refused (reservations
    held, the last coordinator: the timed job tries again) — logged."""
    reason = f"Excluded ({sanction.code}): {sanction.rule_broken}"
    try:
        offboarding_services.member_offboard(
            actor=sanction.decided_by, membership=sanction.membership, reason=reason
        )
    except ApplicationError as error:
        logger.warning("exclusion %s waits: %s", sanction.pk, error)
        return False
    with transaction.atomic(durable=True):
        locked = _locked(sanction)
        if locked.status == SanctionStatus.IN_FORCE:
            locked.status = SanctionStatus.ENDED
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "ended_at"])
            audit_record(
                actor=None,
                action="sanction.exclusion",
                subject=locked,
                community_id=locked.community_id,
                person_id=locked.person_id,
                changes={"status": [SanctionStatus.IN_FORCE, SanctionStatus.ENDED]},
            )
    return True


def sanctions_advance(now: dt.datetime | None = None) -> dict[str, int]:
    """The timed job: suspensions whose end has come end (the membership is active again unless
    another holds), and exclusions due are carried out. Returns counts."""
    now = now or timezone.now()
    ended = 0
    for due in sanctions_selectors.suspensions_due(now):
        with transaction.atomic(durable=True):
            locked = _locked(due)
            if locked.status != SanctionStatus.IN_FORCE or locked.ends_at is None:
                continue
            if locked.ends_at > now:
                continue
            locked.status = SanctionStatus.ENDED
            locked.ended_at = now
            locked.save(update_fields=["status", "ended_at"])
            audit_record(
                actor=None,
                action="sanction.end",
                subject=locked,
                community_id=locked.community_id,
                person_id=locked.person_id,
                changes={"status": [SanctionStatus.IN_FORCE, SanctionStatus.ENDED]},
            )
            _settle_membership(None, locked, f"{locked.code} ended")
            ended += 1
    excluded = sum(exclusion_carry_out(due) for due in sanctions_selectors.exclusions_due(now))
    return {"ended": ended, "excluded": excluded}
