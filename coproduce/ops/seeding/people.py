"""Large synthetic communities for `coproduce seed`: the communities, their people, applications,
checks and neighbourhoods, and (through `listings`) their offers and requests.

Each community is created through `services.community_create` (so it has its founding rulebook
and an audit row). Its people are then written with `bulk_create` in batches, bypassing the
services on purpose: going through `membership_add` one member at a time costs several queries and
an audit row per member, which would turn minutes into hours, and synthetic people have no
history worth auditing. What the services guarantee is kept by construction here instead:

- member numbers run 1..M in each community and `Community.last_member_number` is set to M;
- every membership has its `member` role row; member 1 (and one in every 2,000) is a coordinator;
- people have no usable password, emails under seed.example, gifts from the demo's vocabulary;
- one pending application per 100 members (applicants are separate people, not members);
- every 20th member (numbers 1, 21, 41, ...) has an ID check and a background check, whose expiry
  dates spread from a year ago to three years ahead (some already expired).

- people last signed in within the past month (40%), the past year (30%) or never (30%);
- each community has the demo's four neighbourhoods, their centres about 1.5 km from its middle.

The same random generator state gives the same people; dates are relative to today."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from itertools import count

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from coproduce.communities.models import (
    Application,
    ApplicationStatus,
    Check,
    CheckKind,
    CheckResult,
    Community,
    ContactChannel,
    Gift,
    GiftKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    Neighbourhood,
    Person,
    Role,
)
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.ops.demo.communities import FIRST_NAMES, GIFT_POOL, LAST_NAMES, NEIGHBOURHOODS

TOWNS = [
    "Ashby",
    "Brookfield",
    "Castleton",
    "Dunmore",
    "Eastwick",
    "Fairhaven",
    "Glenside",
    "Harbourne",
    "Ivybridge",
    "Kingsmoor",
    "Longford",
    "Marshgate",
    "Northend",
    "Oakridge",
    "Portland",
    "Queensbury",
]
UNUSABLE_PASSWORD = "!synthetic"  # Django treats any hash starting with "!" as unusable
APPLICATIONS_PER = 100
CHECK_EVERY = 20
COORDINATOR_EVERY = 2000
# Where each town's synthetic community is (made-up points in England), and the neighbourhoods'
# offsets from it in degrees (about 1.5 km).
TOWN_CENTRE = (52.4, -1.5)
NEIGHBOURHOOD_OFFSETS = [(0.012, -0.015), (-0.010, -0.018), (0.011, 0.019), (-0.013, 0.016)]


def _letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def create_community(rng: random.Random, index: int) -> Community:
    """The next synthetic community (seed-1, seed-2, ...; prefixes SA, SB, ...), through the
    service, so it has its founding rulebook and an audit row. Raises what `community_create`
    raises."""
    slugs = set(Community.objects.values_list("slug", flat=True))
    prefixes = set(Community.objects.values_list("member_prefix", flat=True))
    slug = next(s for n in count(1) if (s := f"seed-{n}") not in slugs)
    prefix = next(p for n in count(0) if (p := "S" + _letters(n)) not in prefixes and len(p) <= 5)
    town = rng.choice(TOWNS)
    return communities_services.community_create(
        actor=None,
        name=f"{town} Time Bank (synthetic {slug[5:]})",
        slug=slug,
        member_prefix=prefix,
        area_description=f"Synthetic data for benchmarks, community {index + 1}.",
    )


def insert_members(
    rng: random.Random,
    community: Community,
    members: int,
    *,
    batch_size: int,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Members 1..`members` of the community, `batch_size` at a time (`advance(n)` after each
    batch, for a progress bar), then its member counter set to match."""
    recorder_id = None
    for first in range(1, members + 1, batch_size):
        last = min(members, first + batch_size - 1)
        recorder_id = insert_batch(rng, community, first, last, recorder_id=recorder_id)
        if advance:
            advance(last - first + 1)
    Community.objects.filter(pk=community.pk).update(last_member_number=members)


def insert_batch(
    rng: random.Random,
    community: Community,
    first: int,
    last: int,
    *,
    recorder_id: int | None = None,
) -> int:
    """Members `first`..`last` of the community, with their roles, gifts and checks. The checks are
    recorded by member 1, a coordinator: give the `recorder_id` an earlier batch returned (the
    first batch, starting at 1, finds it); returns it for the next batch."""
    now = timezone.now()
    today = timezone.localdate()
    prefix = community.member_prefix.lower()
    people = []
    for number in range(first, last + 1):
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        joined = now - dt.timedelta(days=rng.randint(0, 3650))
        login = last_login(rng, now)
        people.append(
            Person(
                email=f"{prefix}{number}@seed.example",
                password=UNUSABLE_PASSWORD,
                full_name=f"{first_name} {last_name}",
                known_as=first_name if number % 3 == 0 else "",
                neighbourhood=rng.choice(NEIGHBOURHOODS),
                availability=sorted(
                    rng.sample(AVAILABILITY_SLOTS, rng.randint(1, 6)), key=AVAILABILITY_SLOTS.index
                ),
                contact_preferences=[ContactChannel.EMAIL],
                date_joined=joined,
                last_login=max(login, joined) if login else None,
            )
        )
    with transaction.atomic():
        Person.objects.bulk_create(people)
        memberships = [
            Membership(
                community=community,
                person_id=person.pk,
                number=number,
                status=MembershipStatus.ARCHIVED if number % 50 == 0 else MembershipStatus.ACTIVE,
                joined_at=person.date_joined,
                archived_at=now if number % 50 == 0 else None,
            )
            for number, person in zip(range(first, last + 1), people, strict=True)
        ]
        Membership.objects.bulk_create(memberships)
        roles = [
            MembershipRole(membership_id=m.pk, role=Role.MEMBER, granted_at=m.joined_at)
            for m in memberships
        ]
        roles += [
            MembershipRole(membership_id=m.pk, role=Role.COORDINATOR, granted_at=m.joined_at)
            for m in memberships
            if m.number % COORDINATOR_EVERY == 1
        ]
        MembershipRole.objects.bulk_create(roles)
        gifts = []
        for person in people:
            for kind in rng.sample(list(GIFT_POOL), rng.randint(1, 3)):
                gifts.append(
                    Gift(person_id=person.pk, kind=kind, description=rng.choice(GIFT_POOL[kind]))
                )
        Gift.objects.bulk_create(gifts)
        if memberships and memberships[0].number == 1:
            recorder_id = memberships[0].person_id
        if recorder_id is None:
            raise ValueError(
                "The first batch of a community starts at member 1, who records the checks."
            )
        checks = []
        for m in memberships:
            if m.number % CHECK_EVERY != 1:
                continue
            checked = today - dt.timedelta(days=rng.randint(30, 4 * 365))
            checks.append(
                Check(
                    community=community,
                    person_id=m.person_id,
                    kind=CheckKind.ID_SEEN,
                    result=CheckResult.PASSED,
                    checked_on=checked,
                    recorded_by_id=recorder_id,
                )
            )
            checks.append(
                Check(
                    community=community,
                    person_id=m.person_id,
                    kind=CheckKind.BACKGROUND,
                    result=CheckResult.PASSED,
                    checked_on=checked,
                    expires_on=checked + dt.timedelta(days=3 * 365),
                    recorded_by_id=recorder_id,
                    reference_number=f"DBS-{m.number:07d}",
                )
            )
        Check.objects.bulk_create(checks)
    return recorder_id


def last_login(rng: random.Random, now: dt.datetime) -> dt.datetime | None:
    roll = rng.random()
    if roll < 0.4:
        return now - dt.timedelta(minutes=rng.randint(1, 30 * 24 * 60))
    if roll < 0.7:
        return now - dt.timedelta(days=rng.randint(31, 365))
    return None


def insert_applications(rng: random.Random, community: Community, how_many: int) -> None:
    """Pending applications from people who are not members."""
    now = timezone.now()
    prefix = community.member_prefix.lower()
    applicants = []
    for i in range(1, how_many + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        applicants.append(
            Person(
                email=f"{prefix}-applicant{i}@seed.example",
                password=UNUSABLE_PASSWORD,
                full_name=name,
                neighbourhood=rng.choice(NEIGHBOURHOODS),
                contact_preferences=[ContactChannel.EMAIL],
            )
        )
    with transaction.atomic():
        Person.objects.bulk_create(applicants, batch_size=5000)
        Application.objects.bulk_create(
            [
                Application(
                    community=community,
                    person_id=p.pk,
                    status=ApplicationStatus.PENDING,
                    full_name=p.full_name,
                    email=p.email or "",
                    neighbourhood=p.neighbourhood,
                    contact_preference=ContactChannel.EMAIL,
                    about=f"I can help with {rng.choice(GIFT_POOL[GiftKind.HANDS]).lower()}.",
                    submitted_at=now - dt.timedelta(days=rng.randint(0, 60)),
                )
                for p in applicants
            ],
            batch_size=5000,
        )


def insert_neighbourhoods(community: Community, index: int) -> dict[str, tuple[float, float]]:
    """The demo's neighbourhood names around a centre of the community's own (communities
    about 20 km apart), as Neighbourhood rows; returns name -> centre."""
    centre = (TOWN_CENTRE[0] + 0.18 * (index % 10), TOWN_CENTRE[1] + 0.3 * (index // 10))
    places = {
        name: (round(centre[0] + dlat, 4), round(centre[1] + dlng, 4))
        for name, (dlat, dlng) in zip(NEIGHBOURHOODS, NEIGHBOURHOOD_OFFSETS, strict=False)
    }
    Neighbourhood.objects.bulk_create(
        [
            Neighbourhood(community=community, name=name, slug=slugify(name), lat=lat, lng=lng)
            for name, (lat, lng) in places.items()
        ]
    )
    Community.catalogue_changed(community.pk, community)  # bulk_create saves no row itself
    return places


def analyze(*, vacuum: bool = False) -> None:
    """Refresh the planner's statistics: after a bulk load they describe empty tables, and
    PostgreSQL would plan the first queries as if they still were. After listings, the whole
    database (the listings' table belongs to another app), vacuumed too on PostgreSQL."""
    with connection.cursor() as cursor:
        if vacuum:
            # VACUUM cannot run in a transaction (the command's callers' tests run in one).
            vacuum_ok = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum_ok else "ANALYZE")
            return
        tables = [
            m._meta.db_table for m in (Person, Membership, MembershipRole, Gift, Check, Application)
        ]
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
