"""Agencies, their staff, the co-production roles they publish and members' training records:
every write (atomic, audited, refused with nothing stored). The reads, and `eligibility`, are in
selectors/agencies.py.

Who may do what (see access.py): coordinators create, fund and archive agencies; agency admins
and coordinators change an agency, its staff and its roles; agency staff and admins (of any
agency of the community) and coordinators record training. All text is stored as written (plain
text) and escaped where it is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from coproduce.communities import access as community_access
from coproduce.communities.selectors.rules import VETTING_LEVELS
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.ledger import errors as ledger_errors
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors import amounts as amounts_selectors
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services

from ..access import (
    access_manage_agency,
    access_record_training,
    forget_agency_roles,
    is_staff_of,
)
from ..models import (
    Agency,
    AgencyKind,
    AgencyMembership,
    AgencyRole,
    CoproductionRole,
    RoleStatus,
    TrainingRecord,
)

AGENCY_FIELDS = ("name", "kind", "description", "place", "website")
ROLE_FIELDS = (
    "title",
    "description",
    "commitment",
    "vetting_level",
    "training",
    "min_age",
    "max_age",
    "remote_ok",
    "staff_lead",
)
MAX_TRAINING = 10


def _text(
    value: Any,
    field: str,
    label: str,
    errors: dict[str, list[str]],
    *,
    max_length: int,
    required: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [f"{label} must be text."]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [f"Give the {label.lower()}."]
    elif len(value) > max_length:
        errors[field] = [f"{label} may be at most {max_length} characters."]
    elif "\x00" in value:
        errors[field] = [f"{label} contains a character that is not allowed."]
    return value


def _agency_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = {
        "name": _text(values.get("name"), "name", "Name", errors, max_length=150, required=True),
        "description": _text(
            values.get("description"), "description", "Description", errors, max_length=4000
        ),
        "place": _text(values.get("place"), "place", "Place", errors, max_length=200),
        "website": _text(values.get("website"), "website", "Website", errors, max_length=200),
        "kind": values.get("kind"),
    }
    if cleaned["kind"] not in AgencyKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(AgencyKind.values)}."]
    if cleaned["website"] and "website" not in errors:
        try:
            URLValidator(schemes=["http", "https"])(cleaned["website"])
        except DjangoValidationError:
            errors["website"] = ["Give the full web address, starting https://."]
    if errors:
        raise ValidationFailed("Please correct the agency's details.", fields=errors)
    return cleaned


def _unique_slug(community, name: str) -> str:
    base = (slugify(name) or "agency")[:70].strip("-") or "agency"
    taken = set(
        Agency.objects.filter(community=community, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    taken.add("new")  # /agencies/new/ is the form for adding one
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _lock_agency(agency: Agency) -> Agency:
    # Lock the agency row only (not the community joined in for its name).
    return (
        Agency.objects.select_for_update(of=("self",)).select_related("community").get(pk=agency.pk)
    )


def _not_archived(agency: Agency) -> None:
    if agency.is_archived:
        raise Conflict("This agency has been archived.", code="agency_archived")


def agency_create(
    *,
    actor: Actor,
    community,
    name: str,
    kind: str,
    description: str = "",
    place: str = "",
    website: str = "",
) -> Agency:
    """A coordinator adds an agency; it gets its own hours account in the same transaction and a
    slug unique in the community. Raises NotFound, PermissionDenied (not a coordinator),
    ValidationFailed."""
    community_access.access_coordinate(actor, community)
    cleaned = _agency_values(
        {"name": name, "kind": kind, "description": description, "place": place, "website": website}
    )
    with transaction.atomic(durable=True):
        account = accounts_services.organisation_account_open(
            community=community, name=cleaned["name"]
        )
        agency = Agency.objects.create(
            community=community,
            slug=_unique_slug(community, cleaned["name"]),
            account=account,
            **cleaned,
        )
        audit_record(
            actor=actor,
            action="agency.create",
            subject=agency,
            community_id=community.pk,
            changes={k: [None, v] for k, v in snapshot(agency, (*AGENCY_FIELDS, "slug")).items()},
        )
    return agency


def agency_update(*, actor: Actor, agency: Agency, **values: Any) -> Agency:
    """Change an agency's details (fields not given stay). The slug does not change. Raises
    NotFound, PermissionDenied, Conflict (archived), ValidationFailed."""
    unknown = set(values) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"unknown agency fields: {sorted(unknown)}")
    access_manage_agency(actor, agency)
    with transaction.atomic(durable=True):
        locked = _lock_agency(agency)
        _not_archived(locked)
        old = snapshot(locked, AGENCY_FIELDS)
        cleaned = _agency_values({**old, **values})
        for name, value in cleaned.items():
            setattr(locked, name, value)
        changes = diff(old, snapshot(locked, AGENCY_FIELDS))
        if changes:
            locked.save(update_fields=list(AGENCY_FIELDS))
            audit_record(
                actor=actor,
                action="agency.update",
                subject=locked,
                community_id=locked.community_id,
                changes=changes,
            )
    return locked


def agency_archive(*, actor: Actor, agency: Agency) -> Agency:
    """A coordinator archives an agency: it disappears from members' lists and its published
    roles are archived with it. Raises NotFound, PermissionDenied, Conflict (already archived)."""
    community_access.access_coordinate(actor, agency.community)
    with transaction.atomic(durable=True):
        locked = _lock_agency(agency)
        _not_archived(locked)
        locked.is_archived = True
        locked.save(update_fields=["is_archived"])
        archived = (
            CoproductionRole.objects.filter(agency=locked)
            .exclude(status=RoleStatus.ARCHIVED)
            .update(status=RoleStatus.ARCHIVED, updated_at=timezone.now())
        )
        audit_record(
            actor=actor,
            action="agency.archive",
            subject=locked,
            community_id=locked.community_id,
            changes={"is_archived": [False, True], "roles_archived": [None, archived]},
        )
    return locked


# Where a coordinator may take the hours an agency's account is funded with. Both are transfers the
# ledger's rules allow: the community fund cannot go below zero (so it can be too low); issuance is
# the one unbounded account (new credits, as the rule `session_credits_from` = issuance makes too).
AGENCY_FUNDING_SOURCES = {
    "fund": "The community fund",
    "issuance": "New credits issued by the community",
}
AGENCY_FUNDING_MAX_MINUTES = 10_000 * 60
AGENCY_FUNDING_NOTE_MAX = 500


def agency_fund(
    *, actor: Actor, agency: Agency, minutes: int, source: str, idempotency_key: str, note: str = ""
):
    """A coordinator puts hours in the agency's account, so its registers can credit members when
    the rule `session_credits_from` is `agency`: a grant from the community fund or new credits
    from issuance (`AGENCY_FUNDING_SOURCES`), one ledger transfer through
    `ledger.services.transfer_create`, idempotent on the key (the same form sent twice funds once).
    Returns the transfer. Raises NotFound, PermissionDenied (not a coordinator), ValidationFailed
    (minutes, source, note), Conflict (archived agency; key reused), LimitExceeded (the fund has
    too little; any other limit the ledger keeps)."""
    community = agency.community
    community_access.access_coordinate(actor, community)
    _not_archived(agency)
    errors: dict[str, list[str]] = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        errors["minutes"] = ["Give how many hours: more than zero."]
    elif minutes > AGENCY_FUNDING_MAX_MINUTES:
        errors["minutes"] = [
            f"At most {amounts_selectors.hours(AGENCY_FUNDING_MAX_MINUTES)} at a time."
        ]
    if source not in AGENCY_FUNDING_SOURCES:
        errors["source"] = [f"Choose one of: {', '.join(AGENCY_FUNDING_SOURCES)}."]
    note = _text(note, "note", "Note", errors, max_length=AGENCY_FUNDING_NOTE_MAX)
    if errors:
        raise ValidationFailed("Please correct the funding.", fields=errors)
    if agency.account_id is None:
        raise Conflict(f"{agency.name} has no hours account.", code="no_agency_account")
    source_account = (
        accounts_services.fund_account(community)
        if source == "fund"
        else accounts_services.issuance_account(community)
    )
    try:
        return transfers_services.transfer_create(
            actor=actor,
            community=community,
            idempotency_key=idempotency_key,
            legs=[
                postings_services.Leg(source_account.pk, -minutes),
                postings_services.Leg(agency.account_id, minutes),
            ],
            reason="grant" if source == "fund" else "issuance",
            memo=note or f"Hours for {agency.name}'s co-production sessions",
            related=("agency", agency.pk),
        )
    except ledger_errors.LimitExceeded as exc:
        if source != "fund":
            raise
        balance = accounts_selectors.account_get(community, source_account.pk).balance_minutes
        raise ledger_errors.LimitExceeded(
            f"The community fund has {amounts_selectors.hours(balance)}: not enough to give "
            f"{amounts_selectors.hours(minutes)}. Give less, or issue new credits instead.",
            fields={"minutes": ["More than the community fund has."]},
        ) from exc


def staff_add(
    *, actor: Actor, agency: Agency, person, role: str = AgencyRole.STAFF, job_title: str = ""
) -> AgencyMembership:
    """Name an active member of the community as the agency's staff or admin; they get the
    community role `agency_staff` if they lack it. Raises NotFound (not a member),
    PermissionDenied, Conflict (archived agency, already staff), ValidationFailed."""
    access_manage_agency(actor, agency)
    errors: dict[str, list[str]] = {}
    if role not in AgencyRole.values:
        errors["role"] = [f"Choose one of: {', '.join(AgencyRole.values)}."]
    job_title = _text(job_title, "job_title", "Job title", errors, max_length=120)
    if errors:
        raise ValidationFailed("Please correct the staff details.", fields=errors)
    membership = community_access.membership_of(person, agency.community)
    if membership is None:
        raise NotFound("This person is not an active member of the community.", code="not_a_member")
    with transaction.atomic(durable=True):
        locked = _lock_agency(agency)
        _not_archived(locked)
        if AgencyMembership.objects.filter(
            agency=locked, person=person, ended_at__isnull=True
        ).exists():
            raise Conflict(
                f"{person.display_name} is already on the staff of {locked.name}.",
                code="already_staff",
            )
        staff = AgencyMembership.objects.create(
            agency=locked, person=person, role=role, job_title=job_title
        )
        audit_record(
            actor=actor,
            action="agency.staff_add",
            subject=staff,
            community_id=locked.community_id,
            person_id=person.pk,
            changes={"role": [None, role], "job_title": [None, job_title]},
        )
    forget_agency_roles(person)
    if "agency_staff" not in community_access.roles_in(person, agency.community):
        # The community role shows who works for an agency; granted once the staff row exists.
        memberships_services.role_set(
            actor=actor, membership=membership, role="agency_staff", granted=True
        )
    return staff


def staff_remove(*, actor: Actor, agency: Agency, person) -> AgencyMembership:
    """End a person's place on the staff. Raises NotFound (not on the staff), PermissionDenied,
    Conflict (the agency's last admin)."""
    access_manage_agency(actor, agency)
    with transaction.atomic(durable=True):
        locked = _lock_agency(agency)
        staff = (
            AgencyMembership.objects.select_for_update()
            .filter(agency=locked, person=person, ended_at__isnull=True)
            .first()
        )
        if staff is None:
            raise NotFound("This person is not on the agency's staff.", code="not_staff")
        if (
            staff.role == AgencyRole.ADMIN
            and not AgencyMembership.objects.filter(
                agency=locked,
                role=AgencyRole.ADMIN,
                ended_at__isnull=True,
            )
            .exclude(pk=staff.pk)
            .exists()
        ):
            raise Conflict(
                "An agency needs at least one admin: name another admin first.", code="last_admin"
            )
        staff.ended_at = timezone.now()
        staff.save(update_fields=["ended_at"])
        audit_record(
            actor=actor,
            action="agency.staff_remove",
            subject=staff,
            community_id=locked.community_id,
            person_id=person.pk,
            changes={"ended_at": [None, staff.ended_at.isoformat()]},
        )
    forget_agency_roles(person)
    return staff


def _age(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        errors[field] = ["Give an age from 0 to 120, or leave it empty."]
        return None
    return value


def _role_values(agency: Agency, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {
        "title": _text(
            values.get("title"), "title", "Title", errors, max_length=150, required=True
        ),
        "description": _text(
            values.get("description"),
            "description",
            "What you will do",
            errors,
            max_length=4000,
            required=True,
        ),
        "commitment": _text(
            values.get("commitment"),
            "commitment",
            "Commitment",
            errors,
            max_length=200,
            required=True,
        ),
        "remote_ok": bool(values.get("remote_ok")),
    }
    level = values.get("vetting_level", 0)
    if isinstance(level, bool) or level not in VETTING_LEVELS:
        errors["vetting_level"] = [f"Choose a check level from 0 to {max(VETTING_LEVELS)}."]
    cleaned["vetting_level"] = level
    training = values.get("training") or []
    names: list[str] = []
    if not isinstance(training, list) or len(training) > MAX_TRAINING:
        errors["training"] = [f"List at most {MAX_TRAINING} trainings."]
    else:
        for item in training:
            name = item.strip() if isinstance(item, str) else None
            if not name or len(name) > 120 or "\x00" in name:
                errors["training"] = ["Name each training in at most 120 characters."]
                break
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    cleaned["training"] = names
    cleaned["min_age"] = _age(values.get("min_age"), "min_age", errors)
    cleaned["max_age"] = _age(values.get("max_age"), "max_age", errors)
    if (
        cleaned["min_age"] is not None
        and cleaned["max_age"] is not None
        and cleaned["min_age"] > cleaned["max_age"]
    ):
        errors["max_age"] = ["The highest age cannot be below the lowest."]
    lead = values.get("staff_lead")
    if lead is not None and not is_staff_of(lead, agency):
        errors["staff_lead"] = ["The staff lead must be on the agency's staff."]
    cleaned["staff_lead"] = lead
    if errors:
        raise ValidationFailed("Please correct the role.", fields=errors)
    return cleaned


def _search_document(role: CoproductionRole, agency: Agency) -> str:
    return " ".join(
        [role.title, role.description, role.commitment, agency.name, *role.training]
    ).lower()


def _role_snapshot(role: CoproductionRole) -> dict[str, Any]:
    data = snapshot(role, [f for f in ROLE_FIELDS if f != "staff_lead"])
    data["staff_lead"] = role.staff_lead_id
    return data


def role_create(
    *,
    actor: Actor,
    agency: Agency,
    title: str,
    description: str,
    commitment: str,
    vetting_level: int = 0,
    training: list[str] | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    remote_ok: bool = False,
    staff_lead=None,
) -> CoproductionRole:
    """A draft role of the agency (publish it to show it to members). Raises NotFound,
    PermissionDenied (not an agency admin or coordinator), Conflict (archived agency),
    ValidationFailed (including a staff lead who is not on the staff, min_age > max_age)."""
    access_manage_agency(actor, agency)
    cleaned = _role_values(
        agency,
        {
            "title": title,
            "description": description,
            "commitment": commitment,
            "vetting_level": vetting_level,
            "training": training,
            "min_age": min_age,
            "max_age": max_age,
            "remote_ok": remote_ok,
            "staff_lead": staff_lead,
        },
    )
    with transaction.atomic(durable=True):
        locked = _lock_agency(agency)
        _not_archived(locked)
        role = CoproductionRole(community_id=locked.community_id, agency=locked, **cleaned)
        role.search_document = _search_document(role, locked)
        role.save()
        audit_record(
            actor=actor,
            action="role.create",
            subject=role,
            community_id=locked.community_id,
            changes={k: [None, v] for k, v in _role_snapshot(role).items()},
        )
    return role


def _lock_role(role: CoproductionRole) -> tuple[CoproductionRole, Agency]:
    agency = _lock_agency(role.agency)
    locked = (
        CoproductionRole.objects.select_for_update(of=("self",))
        .select_related("staff_lead")
        .get(pk=role.pk)
    )
    locked.agency = agency
    return locked, agency


def role_update(*, actor: Actor, role: CoproductionRole, **values: Any) -> CoproductionRole:
    """Change a draft or published role; fields not given stay. Raises NotFound,
    PermissionDenied, Conflict (archived role or agency), ValidationFailed."""
    unknown = set(values) - set(ROLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown role fields: {sorted(unknown)}")
    access_manage_agency(actor, role.agency)
    with transaction.atomic(durable=True):
        locked, agency = _lock_role(role)
        _not_archived(agency)
        if locked.status == RoleStatus.ARCHIVED:
            raise Conflict("This role has been archived.", code="role_archived")
        old = _role_snapshot(locked)
        merged = {name: getattr(locked, name) for name in ROLE_FIELDS}
        merged.update(values)
        cleaned = _role_values(agency, merged)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        changes = diff(old, _role_snapshot(locked))
        if changes:
            locked.search_document = _search_document(locked, agency)
            locked.updated_at = timezone.now()
            locked.save(update_fields=[*ROLE_FIELDS, "search_document", "updated_at"])
            audit_record(
                actor=actor,
                action="role.update",
                subject=locked,
                community_id=locked.community_id,
                changes=changes,
            )
    return locked


def _role_status(
    *, actor: Actor, role: CoproductionRole, to: str, allowed_from: set[str]
) -> CoproductionRole:
    access_manage_agency(actor, role.agency)
    with transaction.atomic(durable=True):
        locked, agency = _lock_role(role)
        _not_archived(agency)
        if locked.status not in allowed_from:
            raise Conflict(
                f"This role is {locked.get_status_display().lower()}.", code=f"role_{locked.status}"
            )
        old = locked.status
        locked.status = to
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=f"role.{'publish' if to == RoleStatus.PUBLISHED else 'archive'}",
            subject=locked,
            community_id=locked.community_id,
            changes={"status": [old, to]},
        )
    return locked


def role_publish(*, actor: Actor, role: CoproductionRole) -> CoproductionRole:
    """Show a draft role to members. Raises PermissionDenied, Conflict (published or archived)."""
    return _role_status(
        actor=actor, role=role, to=RoleStatus.PUBLISHED, allowed_from={RoleStatus.DRAFT}
    )


def role_archive(*, actor: Actor, role: CoproductionRole) -> CoproductionRole:
    """Take a role down for good. Raises PermissionDenied, Conflict (already archived)."""
    return _role_status(
        actor=actor,
        role=role,
        to=RoleStatus.ARCHIVED,
        allowed_from={RoleStatus.DRAFT, RoleStatus.PUBLISHED},
    )


def training_record(
    *, actor: Actor, community, person, name: str, completed_on: dt.date
) -> TrainingRecord:
    """Record that a member completed a named training (once per name; a second record of the
    same name is a Conflict). Raises NotFound (not an active member), PermissionDenied,
    Conflict, ValidationFailed."""
    access_record_training(actor, community)
    errors: dict[str, list[str]] = {}
    name = _text(name, "name", "Training", errors, max_length=120, required=True)
    if not isinstance(completed_on, dt.date) or isinstance(completed_on, dt.datetime):
        errors["completed_on"] = ["Give the date the training was completed."]
    elif completed_on > timezone.localdate():
        errors["completed_on"] = ["The date cannot be in the future."]
    if errors:
        raise ValidationFailed("Please correct the training record.", fields=errors)
    if community_access.membership_of(person, community) is None:
        raise NotFound("This person is not an active member of the community.", code="not_a_member")
    with transaction.atomic(durable=True):
        if TrainingRecord.objects.filter(
            community=community, person=person, name__iexact=name
        ).exists():
            raise Conflict(
                f"{person.display_name} already has “{name}” recorded.", code="training_recorded"
            )
        record = TrainingRecord.objects.create(
            community=community,
            person=person,
            name=name,
            completed_on=completed_on,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="training.record",
            subject=record,
            community_id=community.pk,
            person_id=person.pk,
            changes={"name": [None, name], "completed_on": [None, completed_on]},
        )
    return record
