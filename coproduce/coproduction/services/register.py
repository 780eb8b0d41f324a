"""The attendance register of a session: staff mark who came and for how long, then confirm it,
which credits every attending member in one all-or-nothing transfer.

- `register_save` keeps a draft (editable until confirmed): one `Attendance` row per person,
  citizens (booked members and walk-ins named by member number) and staff. Staff rows record who
  co-delivered the session; their minutes are kept but never credited (they are paid).
- `register_confirm` posts ONE ledger transfer, `session:<id>` (a derived key, so a session is
  credited at most once however it is asked), from the agency's account or, by the community
  rule `session_credits_from`, from issuance. Each attending member earns
  minutes x `credits_per_hour_percent` / 100, rounded half up to a whole minute (a line that
  rounds to nothing earns nothing). If any leg breaks a limit nothing posts and the register
  stays a draft.

What the register holds and what confirming it would credit (`register_of`, `CreditPlan`)
are read in selectors/register.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.core.idempotency import idempotent
from coproduce.ledger.selectors.amounts import hours
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg

from ..access import access_staff_work, is_staff_of
from ..models import (
    Attendance,
    AttendanceRole,
    Session,
    SessionStatus,
    SignUp,
    SignUpStatus,
)
from ..selectors.register import _plan, max_minutes, session_minutes


@dataclass(frozen=True)
class RegisterLine:
    """One line as sent: `minutes` None means the session's length."""

    person: Any
    attended: bool
    minutes: int | None = None
    role: str = AttendanceRole.CITIZEN


def _lock_session(session: Session) -> Session:
    qs = Session.objects.select_related("community", "agency", "role").filter(pk=session.pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.get()


def _check_open(session: Session) -> None:
    if session.status == SessionStatus.REGISTERED:
        raise Conflict(
            "This register has already been confirmed and the hours credited; it can no longer "
            "change.",
            code="already_confirmed",
        )
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(
            "This session was cancelled, so it has no register.", code="session_cancelled"
        )


def _clean_lines(session: Session, lines: list[RegisterLine]) -> list[tuple[Any, str, bool, int]]:
    """(person, role, attended, minutes) for each line. Raises ValidationFailed naming each bad
    line as `lines.<n>.<field>`."""
    community = session.community
    booked = set(
        SignUp.objects.filter(session=session, status=SignUpStatus.BOOKED).values_list(
            "person_id", flat=True
        )
    )
    people_ids = {pk for pk in (getattr(line.person, "pk", None) for line in lines) if pk}
    numbers = memberships_selectors.member_numbers(community, people_ids)
    member_people = {
        m.person_id
        for m in memberships_selectors.active_members_by_number(
            community, set(numbers.values())
        ).values()
    }
    errors: dict[str, list[str]] = {}
    cleaned: list[tuple[Any, str, bool, int]] = []
    seen: set[int] = set()
    longest = max_minutes(session)
    for i, line in enumerate(lines):
        person = line.person
        name = getattr(person, "display_name", "This person")
        if getattr(person, "pk", None) is None:
            errors.setdefault(f"lines.{i}.person", []).append("No such person.")
            continue
        if person.pk in seen:
            errors.setdefault(f"lines.{i}.person", []).append(f"{name} is on the register twice.")
            continue
        seen.add(person.pk)
        if line.role not in AttendanceRole.values:
            errors.setdefault(f"lines.{i}.role", []).append("Choose member or staff.")
            continue
        if line.role == AttendanceRole.STAFF:
            if not (
                is_staff_of(person, session.agency)
                or community_access.is_coordinator(person, community)
            ):
                errors.setdefault(f"lines.{i}.person", []).append(
                    f"{name} is not on {session.agency.name}'s staff, so cannot be recorded as "
                    "staff."
                )
                continue
        elif person.pk not in booked and person.pk not in member_people:
            errors.setdefault(f"lines.{i}.person", []).append(
                f"{name} is not booked on this session and is not a member of {community.name}."
            )
            continue
        minutes = line.minutes
        if not line.attended:
            minutes = 0
        elif minutes is None:
            minutes = session_minutes(session)
        elif (
            isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= longest
        ):
            errors.setdefault(f"lines.{i}.minutes", []).append(
                f"Enter {name}'s minutes as a whole number from 1 to {longest} "
                f"(the session's length, {hours(session_minutes(session))}, and at most an hour "
                "more)."
            )
            continue
        cleaned.append((person, line.role, bool(line.attended), minutes))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=errors)
    return cleaned


def register_save(*, actor: Actor, session: Session, lines: list[RegisterLine]) -> Session:
    """Save the register as a draft: `lines` is the whole register (lines left out are removed).
    Raises NotFound/PermissionDenied (not the agency's staff or a coordinator), Conflict
    (`already_confirmed`, `session_cancelled`), ValidationFailed (minutes out of range, a person
    neither booked nor a member, staff who are not the agency's, someone twice)."""
    with transaction.atomic(durable=True):
        locked = _lock_session(session)
        access_staff_work(actor, locked.agency)
        _check_open(locked)
        cleaned = _clean_lines(locked, lines)
        existing = {a.person_id: a for a in Attendance.objects.filter(session=locked)}
        old = {pk: [a.role, a.attended, a.minutes] for pk, a in existing.items()}
        keep = {person.pk for person, *_ in cleaned}
        Attendance.objects.filter(session=locked).exclude(person_id__in=keep).delete()
        now = timezone.now()
        for person, role, attended, minutes in cleaned:
            row = existing.get(person.pk)
            if row is None:
                Attendance.objects.create(
                    session=locked,
                    person=person,
                    role=role,
                    attended=attended,
                    minutes=minutes,
                    recorded_by=actor,
                    recorded_at=now,
                )
            elif [row.role, row.attended, row.minutes] != [role, attended, minutes]:
                row.role, row.attended, row.minutes, row.recorded_by, row.recorded_at = (
                    role,
                    attended,
                    minutes,
                    actor,
                    now,
                )
                row.save(
                    update_fields=["role", "attended", "minutes", "recorded_by", "recorded_at"]
                )
        new = {person.pk: [role, attended, minutes] for person, role, attended, minutes in cleaned}
        changes = {
            str(pk): [old.get(pk), new.get(pk)]
            for pk in sorted(set(old) | set(new))
            if old.get(pk) != new.get(pk)
        }
        audit_record(
            actor=actor,
            action="session.register_save",
            subject=locked,
            community_id=locked.community_id,
            changes=changes,
        )
    return locked


def register_confirm(*, actor: Actor, session: Session, idempotency_key: str) -> Session:
    """Confirm the saved register and credit the attending members in one transfer. The same key
    again answers with the original result; confirming again with another key is refused.
    Raises NotFound/PermissionDenied, Conflict (`already_confirmed`, `session_cancelled`,
    `session_not_started`, `already_posted`), ValidationFailed (`register_incomplete`: a booked
    person not marked), LimitExceeded (nothing is posted, the register stays a draft)."""
    access_staff_work(actor, session.agency)

    def run():
        locked = _lock_session(session)
        _check_open(locked)
        now = timezone.now()
        if locked.starts_at > now:
            raise Conflict(
                "This session has not started yet; confirm its register once it has taken place.",
                code="session_not_started",
            )
        rows = list(
            Attendance.objects.filter(session=locked).select_related("person").order_by("person_id")
        )
        booked = set(
            SignUp.objects.filter(session=locked, status=SignUpStatus.BOOKED).values_list(
                "person_id", flat=True
            )
        )
        rules = communities_selectors.rules_for(locked.community)
        plan = _plan(locked, rows, booked, rules)
        if plan.unmarked:
            raise ValidationFailed(
                "Mark everyone who was booked as came or did not come before confirming.",
                code="register_incomplete",
                fields={"lines": ["Someone booked is not marked."]},
            )
        community = locked.community
        credited_people = [person for person, _minutes, credited in plan.credits if credited]
        accounts = accounts_services.member_accounts(community, credited_people)
        legs = [
            Leg(accounts[person.pk].pk, credited)
            for person, _minutes, credited in plan.credits
            if credited
        ]
        if legs:
            if plan.source == "issuance":
                source_id = accounts_services.issuance_account(community).pk
            else:
                if locked.agency.account_id is None:
                    raise Conflict(
                        f"{locked.agency.name} has no hours account to pay credits from.",
                        code="no_agency_account",
                    )
                source_id = locked.agency.account_id
            legs.append(Leg(source_id, -sum(leg.amount_minutes for leg in legs)))
            locked.transfer = transfers_services.post_transfer(
                actor=actor,
                community=community,
                key=f"session:{locked.pk}",
                legs=legs,
                reason=transfers_services.Reason.SESSION_CREDIT,
                memo=f"{locked.role.title} at {locked.agency.name}, "
                f"{timezone.localtime(locked.starts_at):%-d %B %Y}",
                effective_at=min(locked.ends_at, now),
                related=("session", locked.pk),
            )
        old = locked.status
        locked.status = SessionStatus.REGISTERED
        locked.register_confirmed_at = now
        locked.register_confirmed_by = actor
        locked.save(
            update_fields=["status", "register_confirmed_at", "register_confirmed_by", "transfer"]
        )
        audit_record(
            actor=actor,
            action="session.register_confirm",
            subject=locked,
            community_id=locked.community_id,
            changes={
                "status": [old, locked.status],
                "transfer": [None, locked.transfer_id],
                "credited_minutes": [0, plan.total],
            },
        )
        return locked, {"session_id": locked.pk}

    return idempotent(
        scope=f"register:{session.community_id}",
        key=idempotency_key,
        request={"session": session.pk},
        run=run,
        load=lambda stored: Session.objects.select_related("community", "agency", "role").get(
            pk=stored["session_id"]
        ),
    )
