"""Reads that cross tables. Each preloads what its pages show, so a page's query count is fixed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from coproduce.core.errors import NotFound
from coproduce.core.models import AuditEvent
from coproduce.core.tokens import secret_hash

from . import access
from .models import (
    AccessToken,
    Application,
    ApplicationStatus,
    Check,
    CheckKind,
    CheckResult,
    Community,
    Consent,
    ContactRelay,
    CoordinatorNote,
    Gift,
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
    UnconfirmedApplication,
)
from .rules import RULES, VETTING_LEVELS

PRIVATE_FIELDS = ("email", "phone", "address", "photo", "date_of_birth")


def community_get(slug: str) -> Community:
    try:
        return Community.objects.get(slug=slug)
    except Community.DoesNotExist:
        raise NotFound("No such community.") from None


def communities_listed() -> QuerySet[Community]:
    return Community.objects.filter(is_listed=True).order_by("name", "id")


def rulebook_current(community: Community) -> RulebookVersion:
    version = community.rulebook_versions.order_by("-number").first()
    if version is None:
        raise NotFound("This community has no rulebook yet.")
    return version


def rules_for(community: Community) -> dict[str, Any]:
    """The rules in force: the defaults, overridden by the latest rulebook version. One plain
    query: the ledger reads the rules in every transfer, and composing this through the ORM cost
    more than running it (docs/benchmarks.md). Raises NotFound (no rulebook)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "values" FROM communities_rulebookversion WHERE community_id = %s ORDER BY number DESC LIMIT 1',
            [community.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("This community has no rulebook yet.")
    values = {key: rule.default for key, rule in RULES.items()}
    values.update(json.loads(row[0]))  # a JSONField comes back from a cursor as text on both databases
    return values


def rulebook_history(community: Community) -> QuerySet[RulebookVersion]:
    return community.rulebook_versions.select_related("changed_by").order_by("-number")


def memberships_of(person: Person) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(person=person)
        .exclude(status=MembershipStatus.ARCHIVED)
        .select_related("community")
        .prefetch_related("roles")
        .order_by("community__name")
    )


def membership_by_number(community: Community, number: int) -> Membership:
    try:
        return (
            Membership.objects.select_related("person", "community")
            .prefetch_related("roles", "person__gifts")
            .get(community=community, number=number)
        )
    except Membership.DoesNotExist:
        raise NotFound("No such member.") from None


def parse_member_code(code: str) -> tuple[str, int] | None:
    """'RIV-0042' -> ('RIV', 42)."""
    prefix, sep, number = code.strip().upper().partition("-")
    if not sep or not (prefix.isascii() and prefix.isalpha()) or not (number.isascii() and number.isdigit() and len(number) <= 9):
        return None
    return prefix, int(number)


def member_number_in(community: Community, text: str | int) -> int | None:
    """The member number that "RIV-0042", "riv-42" or a bare "42" (or 42) names in this community;
    None for anything else, a number with another community's prefix included."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 < text < 10**9 else None
    text = str(text).strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    parsed = parse_member_code(text)
    if parsed is None or parsed[0] != community.member_prefix.upper():
        return None
    return parsed[1]


def member_directory(
    community: Community,
    *,
    q: str = "",
    after_number: int | None = None,
    limit: int = 50,
    include_inactive: bool = False,
) -> list[Membership]:
    """Members ordered by member number, keyset-paginated on it."""
    qs = (
        Membership.objects.filter(community=community)
        .select_related("person")
        .prefetch_related(
            Prefetch("roles", queryset=MembershipRole.objects.order_by("role")),
            Prefetch("person__gifts", queryset=Gift.objects.order_by("kind", "id")),
        )
        .order_by("number")
    )
    if not include_inactive:
        qs = qs.filter(status=MembershipStatus.ACTIVE)
    if q:
        code = parse_member_code(q)
        term = Q(person__full_name__icontains=q) | Q(person__known_as__icontains=q) | Q(
            person__neighbourhood__icontains=q
        ) | Q(person__gifts__description__icontains=q)
        if code and code[0] == community.member_prefix:
            term |= Q(number=code[1])
        elif q.isascii() and q.isdigit() and len(q) < 10:
            term |= Q(number=int(q))
        qs = qs.filter(term).distinct()
    if after_number is not None:
        qs = qs.filter(number__gt=after_number)
    return list(qs[:limit])


@dataclass
class MemberView:
    """A member as one viewer may see them: private fields are None unless shared."""

    membership: Membership
    person: Person
    email: str | None
    phone: str | None
    address: str | None
    photo_url: str | None
    date_of_birth: dt.date | None
    roles: list[str]
    gifts: list[Gift]


def member_view(viewer, membership: Membership, *, viewer_coordinates: bool) -> MemberView:
    person = membership.person
    shared = viewer_coordinates or access.membership_of(viewer, membership.community) is not None

    def show(field: str):
        visibility = getattr(person, f"{field}_visibility")
        if access.can_see(viewer, person, visibility, viewer_coordinates=viewer_coordinates, shared=shared):
            return getattr(person, field) or None
        return None

    photo = show("photo")
    return MemberView(
        membership=membership,
        person=person,
        email=show("email"),
        phone=show("phone"),
        address=show("address"),
        photo_url=photo.url if photo else None,
        date_of_birth=show("date_of_birth"),
        roles=sorted(r.role for r in membership.roles.all()),
        gifts=list(person.gifts.all()),
    )


def applications_for(community: Community, *, status: str | None = ApplicationStatus.PENDING) -> QuerySet[Application]:
    qs = Application.objects.filter(community=community).select_related("person")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "id")


def application_get(community: Community, application_id: int) -> Application:
    try:
        return (
            Application.objects.select_related("person", "community", "decided_by", "membership")
            .prefetch_related("references", "notes__author")
            .get(community=community, pk=application_id)
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such application.") from None


def reference_by_token(token: str) -> Reference:
    try:
        return Reference.objects.select_related("application", "community").get(token_hash=secret_hash(token))
    except Reference.DoesNotExist:
        raise NotFound("This reference link is not valid. Please check the address in the email.") from None


def unconfirmed_application_by_token(token: str) -> UnconfirmedApplication:
    """The held application behind an emailed confirmation link. Raises NotFound (unknown, or
    deleted after expiring)."""
    try:
        return UnconfirmedApplication.objects.select_related("community").get(token_hash=secret_hash(token))
    except UnconfirmedApplication.DoesNotExist:
        raise NotFound("This confirmation link is not valid, or it has expired. Please apply again.") from None


def checks_for(community: Community, person: Person) -> QuerySet[Check]:
    return Check.objects.filter(community=community, person=person).select_related("recorded_by")


def current_checks(community: Community, person: Person) -> dict[str, Check]:
    """The latest check of each kind: a newer check supersedes an older one."""
    latest: dict[str, Check] = {}
    for check in checks_for(community, person).order_by("kind", "-checked_on", "-id"):
        latest.setdefault(check.kind, check)
    return latest


def check_is_valid(check: Check, on: dt.date) -> bool:
    return check.result == CheckResult.PASSED and (check.expires_on is None or check.expires_on >= on)


# The checks each level asks for, in order: level 1 is an ID seen, level 2 that and a background check.
CHECKS_FOR_LEVEL: dict[int, tuple[str, ...]] = {
    0: (), 1: (CheckKind.ID_SEEN,), 2: (CheckKind.ID_SEEN, CheckKind.BACKGROUND),
}


def level_of(current: dict[str, Check], on: dt.date) -> int:
    """The level a set of current checks (the latest of each kind) gives on a day: the highest
    level all of whose checks are passed and not expired."""
    valid = {kind for kind, c in current.items() if check_is_valid(c, on)}
    return max(level for level, kinds in CHECKS_FOR_LEVEL.items() if set(kinds) <= valid)


def vetting_level(community: Community, person: Person, on: dt.date | None = None) -> int:
    """0: not checked; 1: ID seen; 2: ID seen and a clear background check. Expired checks count
    for nothing."""
    return level_of(current_checks(community, person), on or timezone.localdate())


def vetting_levels(community: Community, person_ids, on: dt.date | None = None) -> dict[int, int]:
    """{person id: vetting level} for many people in one query (an exchange's participants)."""
    on = on or timezone.localdate()
    current: dict[int, dict[str, Check]] = {pk: {} for pk in person_ids}
    rows = Check.objects.filter(community=community, person_id__in=list(current)).order_by("kind", "-checked_on", "-id")
    for check in rows:
        current[check.person_id].setdefault(check.kind, check)
    return {pk: level_of(checks, on) for pk, checks in current.items()}


def checks_missing(community: Community, person: Person, needed: int,
                   on: dt.date | None = None) -> list[tuple[str, Check | None]]:
    """The checks the person still needs for level `needed`, each with their latest check of that
    kind (None when they never had one: otherwise it ran out, failed or waits for its result);
    empty when they hold the level."""
    on = on or timezone.localdate()
    current = current_checks(community, person)
    return [(kind, current.get(kind)) for kind in CHECKS_FOR_LEVEL[needed]
            if kind not in current or not check_is_valid(current[kind], on)]


def vetting_level_label(level: int) -> str:
    return VETTING_LEVELS[level]


def checks_expiring(community: Community, *, within_days: int = 30, today: dt.date | None = None) -> list[Check]:
    """Current passing checks of active members that expire within the window (or already have)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    candidates = (
        Check.objects.filter(
            community=community,
            expires_on__isnull=False,
            expires_on__lte=horizon,
            result=CheckResult.PASSED,
            person__memberships__community=community,
            person__memberships__status=MembershipStatus.ACTIVE,
        )
        .select_related("person")
        .order_by("expires_on", "id")
    )
    # Drop any that a newer check of the same kind has replaced.
    newer = {
        (c.person_id, c.kind): c.checked_on
        for c in Check.objects.filter(community=community, checked_on__isnull=False)
        .filter(person_id__in={c.person_id for c in candidates})
        .order_by("person_id", "kind", "checked_on", "id")
    }
    return [c for c in candidates if newer.get((c.person_id, c.kind)) == c.checked_on]


def person_history(community: Community, person: Person, limit: int = 200) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(person_id=person.pk)
        .filter(Q(community_id=community.pk) | Q(community_id__isnull=True))
        .select_related("actor", "on_behalf_of")
        .order_by("-created_at", "-id")[:limit]
    )


def relays_waiting(community: Community) -> QuerySet[ContactRelay]:
    return ContactRelay.objects.filter(community=community, via="coordinator", passed_on_at__isnull=True).select_related(
        "sender", "recipient"
    )


def tokens_of(person: Person) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(person=person).select_related("community")


def token_authenticate(secret: str) -> AccessToken | None:
    if not secret:
        return None
    token = (
        AccessToken.objects.select_related("person", "community")
        .filter(token_hash=secret_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.person.is_active:
        return None
    return token


def person_data_export(person: Person) -> bytes:
    """Everything we hold about a person, as a zip of JSON and CSV files."""
    memberships = list(Membership.objects.filter(person=person).select_related("community").prefetch_related("roles"))
    profile = {
        "full_name": person.full_name,
        "known_as": person.known_as,
        "email": person.email,
        "username": person.username,
        "phone": person.phone,
        "address": person.address,
        "neighbourhood": person.neighbourhood,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "photo": person.photo.name if person.photo else None,
        "visibility": {f: getattr(person, f"{f}_visibility") for f in PRIVATE_FIELDS},
        "availability": person.availability,
        "languages": person.languages,
        "accessibility_needs": person.accessibility_needs,
        "contact_preferences": person.contact_preferences,
        "date_joined": person.date_joined.isoformat(),
    }
    data: dict[str, Any] = {
        "profile": profile,
        "memberships": [
            {
                "community": m.community.slug,
                "member_number": m.member_code,
                "status": m.status,
                "roles": sorted(r.role for r in m.roles.all()),
                "joined_at": m.joined_at.isoformat(),
            }
            for m in memberships
        ],
        "gifts": [{"kind": g.kind, "description": g.description} for g in person.gifts.all()],
        "consents": [
            {
                "topic": c.topic,
                "wording": c.wording,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in Consent.objects.filter(person=person)
        ],
        "sensitive_data": [
            {"field": d.field, "value": d.value} for d in SensitiveDatum.objects.filter(person=person)
        ],
        "applications": [
            {
                "community": a.community.slug,
                "status": a.status,
                "submitted_at": a.submitted_at.isoformat(),
                "about": a.about,
            }
            for a in Application.objects.filter(person=person).select_related("community")
        ],
        "checks": [
            {
                "community": c.community.slug,
                "kind": c.kind,
                "result": c.result,
                "checked_on": c.checked_on.isoformat(),
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            }
            for c in Check.objects.filter(person=person).select_related("community")
        ],
        "history": [
            {
                "at": e.created_at.isoformat(),
                "action": e.action,
                "subject": f"{e.subject_type}:{e.subject_id}",
                "changes": e.changes,
            }
            for e in AuditEvent.objects.filter(person_id=person.pk).order_by("created_at", "id")
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name in ("memberships", "gifts", "consents", "applications", "checks", "history"):
            rows = data[name]
            out = io.StringIO()
            if rows:
                writer = csv.DictWriter(out, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()})
            archive.writestr(f"{name}.csv", out.getvalue())
        archive.writestr(
            "README.txt",
            "Everything coproduce holds about you: my-data.json has it all; the CSV files hold the same "
            "lists as tables.\n",
        )
    return buffer.getvalue()


def activities_allowed(community: Community, person: Person) -> list[dict[str, Any]]:
    """Each kind of activity with the level it needs and whether this person may take it on."""
    from .rules import ACTIVITY_TYPES

    rules = rules_for(community)
    level = vetting_level(community, person)
    return [
        {
            "activity": key,
            "label": label,
            "level_needed": rules[f"vetting_{key}"],
            "level_needed_label": VETTING_LEVELS[rules[f"vetting_{key}"]],
            "allowed": level >= rules[f"vetting_{key}"],
        }
        for key, label in ACTIVITY_TYPES.items()
    ]


# Web pages -----------------------------------------------------------------------------------
# Each page of the web interface reads through one of these, so its query count stays fixed
# however many rows it shows.


@dataclass
class DirectoryPage:
    members: list[MemberView]
    next_after: int | None  # the member number to continue after, when there is a next page


def member_directory_page(
    viewer, community: Community, *, q: str = "", after_number: int | None = None, limit: int = 50,
    include_inactive: bool = False,
) -> DirectoryPage:
    """One page of the directory as this viewer may see it (privacy applied to every entry)."""
    viewer_coordinates = access.is_coordinator(viewer, community)
    rows = member_directory(
        community, q=q, after_number=after_number, limit=limit + 1, include_inactive=include_inactive
    )
    more = len(rows) > limit
    rows = rows[:limit]
    for membership in rows:
        membership.community = community  # already in hand: saves a query per row for member codes
    return DirectoryPage(
        members=[member_view(viewer, m, viewer_coordinates=viewer_coordinates) for m in rows],
        next_after=rows[-1].number if more and rows else None,
    )


@dataclass
class HomeMembership:
    membership: Membership
    roles: list[str]
    vetting_level: int
    vetting_label: str
    is_coordinator: bool


@dataclass
class MemberHome:
    person: Person
    memberships: list[HomeMembership]
    gifts: dict[str, list[str]]  # gift kind -> descriptions


def member_home(person: Person) -> MemberHome:
    """What a member's home page shows: their communities, roles, check level and gifts."""
    entries = []
    for membership in memberships_of(person):
        roles = sorted(r.role for r in membership.roles.all())
        level = vetting_level(membership.community, person)
        entries.append(HomeMembership(membership, roles, level, VETTING_LEVELS[level], Role.COORDINATOR in roles))
    gifts: dict[str, list[str]] = {}
    for gift in person.gifts.order_by("kind", "id"):
        gifts.setdefault(gift.kind, []).append(gift.description)
    return MemberHome(person=person, memberships=entries, gifts=gifts)


@dataclass
class SensitiveTopic:
    topic: str
    label: str
    wording: str  # what the person agreed to, or will agree to
    consent: Consent | None
    value: str


def sensitive_topics(person: Person) -> list[SensitiveTopic]:
    """Each sensitive field with its standing consent (if any) and stored value."""
    from .models import SensitiveField
    from .services import CONSENT_WORDING  # the wording a new consent records

    consents = {c.topic: c for c in Consent.objects.filter(person=person, withdrawn_at__isnull=True)}
    values = {d.field: d.value for d in SensitiveDatum.objects.filter(person=person)}
    return [
        SensitiveTopic(
            topic=topic,
            label=label,
            wording=consents[topic].wording if topic in consents else CONSENT_WORDING[topic],
            consent=consents.get(topic),
            value=values.get(topic, ""),
        )
        for topic, label in SensitiveField.choices
    ]


@dataclass
class RuleChange:
    key: str
    old: Any
    new: Any


@dataclass
class RulebookEntry:
    version: RulebookVersion
    changes: list[RuleChange]


def rulebook_history_with_changes(community: Community) -> list[RulebookEntry]:
    """Every rulebook version, newest first, with what it changed from the one before."""
    versions = list(rulebook_history(community))
    entries = []
    for index, version in enumerate(versions):
        previous = versions[index + 1].values if index + 1 < len(versions) else {}
        changes = [
            RuleChange(key, previous.get(key), version.values.get(key))
            for key in RULES
            if index + 1 < len(versions) and previous.get(key) != version.values.get(key)
        ]
        entries.append(RulebookEntry(version, changes))
    return entries


@dataclass
class MemberRecord:
    """What coordinators see about a member beyond the directory: never shown to members."""

    vetting_level: int
    vetting_label: str
    checks: list[Check]
    notes: list[CoordinatorNote]
    history: list[AuditEvent]


def member_record(community: Community, person: Person) -> MemberRecord:
    level = vetting_level(community, person)
    return MemberRecord(
        vetting_level=level,
        vetting_label=VETTING_LEVELS[level],
        checks=list(checks_for(community, person).order_by("-checked_on", "-id")),
        notes=list(
            CoordinatorNote.objects.filter(community=community, person=person)
            .select_related("author")
            .order_by("-created_at", "-id")
        ),
        history=list(person_history(community, person)),
    )


def application_queue(community: Community, *, status: str = ApplicationStatus.PENDING) -> list[Application]:
    """Applications with what a coordinator scans for: reference counts and the applicant's
    checks in this community (`person.community_checks`)."""
    qs = (
        Application.objects.filter(community=community, status=status)
        .select_related("person", "decided_by")
        .annotate(
            references_requested=Count("references", filter=~Q(references__status=ReferenceStatus.CANCELLED)),
            references_supporting=Count(
                "references",
                filter=Q(references__status=ReferenceStatus.ANSWERED, references__outcome=ReferenceOutcome.SUPPORTS),
            ),
        )
        .prefetch_related(
            Prefetch(
                "person__checks",
                queryset=Check.objects.filter(community=community).order_by("kind", "-checked_on", "-id"),
                to_attr="community_checks",
            )
        )
    )
    if status == ApplicationStatus.PENDING:
        return list(qs.order_by("submitted_at", "id"))
    return list(qs.order_by("-decided_at", "-id"))


def _member_numbers(community: Community, person_ids: set[int]) -> dict[int, int]:
    return dict(
        Membership.objects.filter(community=community, person_id__in=person_ids).values_list("person_id", "number")
    )


@dataclass
class ExpiringCheck:
    check: Check
    member_number: int | None


@dataclass
class WaitingRelay:
    relay: ContactRelay
    sender_number: int | None
    recipient_number: int | None


@dataclass
class CoordinatorDashboard:
    applications: list[Application]
    references_required: int
    expiring: list[ExpiringCheck]
    relays: list[WaitingRelay]


def coordinator_dashboard(community: Community, *, today: dt.date | None = None) -> CoordinatorDashboard:
    expiring = checks_expiring(community, within_days=30, today=today)
    relays = list(relays_waiting(community).order_by("created_at", "id"))
    numbers = _member_numbers(
        community,
        {c.person_id for c in expiring} | {r.sender_id for r in relays} | {r.recipient_id for r in relays},
    )
    return CoordinatorDashboard(
        applications=application_queue(community),
        references_required=rules_for(community)["references_required"],
        expiring=[ExpiringCheck(c, numbers.get(c.person_id)) for c in expiring],
        relays=[WaitingRelay(r, numbers.get(r.sender_id), numbers.get(r.recipient_id)) for r in relays],
    )


@dataclass
class ApplicationReview:
    application: Application
    references: list[Reference]
    notes: list[CoordinatorNote]
    checks: list[Check]
    vetting_label: str
    references_required: int
    references_supporting: int


def application_review(community: Community, application_id: int) -> ApplicationReview:
    """An application with everything a coordinator weighs before deciding. Raises NotFound."""
    application = application_get(community, application_id)
    references = list(application.references.all())
    level = vetting_level(community, application.person)
    return ApplicationReview(
        application=application,
        references=references,
        notes=list(application.notes.all()),
        checks=list(checks_for(community, application.person).order_by("-checked_on", "-id")),
        vetting_label=VETTING_LEVELS[level],
        references_required=rules_for(community)["references_required"],
        references_supporting=sum(
            1 for r in references if r.status == ReferenceStatus.ANSWERED and r.outcome == ReferenceOutcome.SUPPORTS
        ),
    )


def relay_get(community: Community, relay_id: int) -> ContactRelay:
    try:
        return ContactRelay.objects.select_related("recipient").get(community=community, pk=relay_id)
    except ContactRelay.DoesNotExist:
        raise NotFound("No such message.") from None


def token_get(person: Person, token_id: int) -> AccessToken:
    try:
        return AccessToken.objects.get(person=person, pk=token_id)
    except AccessToken.DoesNotExist:
        raise NotFound("No such token.") from None


def person_history_events(community: Community, person: Person) -> QuerySet[AuditEvent]:
    """The same rows as `person_history`, unsliced, for keyset pages (newest first)."""
    return (
        AuditEvent.objects.filter(person_id=person.pk)
        .filter(Q(community_id=community.pk) | Q(community_id__isnull=True))
        .select_related("actor", "on_behalf_of")
        .order_by("-created_at", "-id")
    )


def member_numbers(community: Community, person_ids: set[int]) -> dict[int, int]:
    """Member number of each of these people in the community (those who have one), in one query."""
    return _member_numbers(community, person_ids) if person_ids else {}


def active_members_by_number(community: Community, numbers: set[int]) -> dict[int, Membership]:
    """The active memberships with these member numbers, in one query; numbers not found are left out."""
    if not numbers:
        return {}
    return {
        m.number: m
        for m in Membership.objects.select_related("person", "community").filter(
            community=community, number__in=numbers, status=MembershipStatus.ACTIVE
        )
    }


def memberships_joined_before(community: Community, when: dt.datetime) -> QuerySet[Membership]:
    """Active memberships that started before `when`, with the person and `has_gift` (a gift on
    their profile); for the coordinators' broker queue, which narrows it further."""
    from django.db.models import Exists, OuterRef

    return (
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE, joined_at__lte=when,
                                  person__pseudonymised_at__isnull=True)
        .select_related("person")
        .annotate(has_gift=Exists(Gift.objects.filter(person_id=OuterRef("person_id"))))
    )


def active_member_ids(community: Community) -> QuerySet[Membership, Any]:
    """The people with an active membership, as a `person_id` values query for subqueries."""
    return Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE).values("person_id")


# Neighbourhoods --------------------------------------------------------------------------------


def neighbourhoods_of(community: Community) -> list[Neighbourhood]:
    """The community's named neighbourhoods with their rough centres, by name."""
    return list(Neighbourhood.objects.filter(community=community).order_by("name", "id"))


def neighbourhood_get(community: Community, neighbourhood_id: int) -> Neighbourhood:
    try:
        return Neighbourhood.objects.get(pk=neighbourhood_id, community=community)
    except (Neighbourhood.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such neighbourhood.") from None


def neighbourhood_named(community: Community, text: str) -> Neighbourhood | None:
    """The neighbourhood of this community that `text` names: its slug, or its name in any case
    (so "St Anne's", "st anne's" and "st-annes" all find St Anne's). None if none does."""
    text = (text or "").strip()
    if not text:
        return None
    return (
        Neighbourhood.objects.filter(community=community)
        .filter(Q(slug=text.lower()) | Q(slug=slugify(text)) | Q(name__iexact=text))
        .order_by("id")
        .first()
    )


def coordinator_to_ask(community: Community) -> Membership | None:
    """The coordinator a member's question goes to ("Ask a coordinator"): the active coordinator
    with the lowest member number, i.e. the longest-serving; None when the community has none."""
    return (Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE,
                                      roles__role=Role.COORDINATOR)
            .select_related("person").order_by("number").first())
