"""`coproduce seed`: large synthetic communities, for benchmarks and load tests.

    coproduce seed --communities 1 --members 200000 --seed 1
    coproduce seed --communities 1 --members 200000 --listings 1000000 --seed 1

`--members` and `--listings` are per community.

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

`--listings N` adds N offers and requests per community, owned by its active members, written
by `exchanges.services.listings_seed` (COPY on PostgreSQL): realistic words per category, some
closed or expired, points around the owner's neighbourhood. Then the planner's statistics are
refreshed (and, on PostgreSQL, the tables vacuumed, so a benchmark right after does not meet
autovacuum halfway).

The same --seed gives the same people, numbers, gifts and listings; dates are relative to today.
No audit rows are written for the synthetic people or listings."""

from __future__ import annotations

import datetime as dt
import random
import time
from itertools import count

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from coproduce.communities import services
from coproduce.communities.demo import FIRST_NAMES, GIFT_POOL, LAST_NAMES, NEIGHBOURHOODS
from coproduce.communities.management.console import stderr_console
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
from coproduce.communities.services import AVAILABILITY_SLOTS
from coproduce.core.errors import ApplicationError
from coproduce.exchanges import services as exchange_services

TOWNS = ["Ashby", "Brookfield", "Castleton", "Dunmore", "Eastwick", "Fairhaven", "Glenside", "Harbourne",
         "Ivybridge", "Kingsmoor", "Longford", "Marshgate", "Northend", "Oakridge", "Portland", "Queensbury"]
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


class Command(BaseCommand):
    help = "Fill the database with large synthetic communities for benchmarks (bulk inserts, no audit rows)."

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=1, help="How many communities (default 1).")
        parser.add_argument("--members", type=int, default=1000, help="Members in each community (default 1000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--batch-size", type=int, default=5000, help="Members per database batch (default 5000).")
        parser.add_argument("--listings", type=int, default=0,
                            help="Offers and requests in each community (default 0).")

    def handle(self, *args, communities, members, seed, batch_size, listings, **options):
        if communities < 1:
            raise CommandError(f"--communities must be at least 1, not {communities}.")
        if members < 1:
            raise CommandError(f"--members must be at least 1, not {members}.")
        if batch_size < 100:
            raise CommandError(f"--batch-size must be at least 100, not {batch_size}.")
        if members > 10_000_000:
            raise CommandError("--members must be at most 10,000,000.")
        if listings < 0:
            raise CommandError(f"--listings must be at least 0, not {listings}.")
        if listings > 50_000_000:
            raise CommandError("--listings must be at most 50,000,000.")

        started = time.perf_counter()
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=stderr_console(self.stderr), disable=options["verbosity"] == 0,
        )
        created = []
        with progress:
            for index in range(communities):
                rng = random.Random(f"{seed}:{index}")  # noqa: S311 - synthetic data, not a secret
                community = self.create_community(rng, index)
                task = progress.add_task(f"{community.name} ({community.member_prefix})", total=members)
                for first in range(1, members + 1, batch_size):
                    last = min(members, first + batch_size - 1)
                    self.insert_batch(rng, community, first, last)
                    progress.update(task, advance=last - first + 1)
                Community.objects.filter(pk=community.pk).update(last_member_number=members)
                self.insert_applications(rng, community, members // APPLICATIONS_PER)
                places = self.insert_neighbourhoods(community, index)
                if listings:
                    task = progress.add_task(f"{community.name}: listings", total=listings)
                    self.insert_listings(f"{seed}:{index}:listings", community, places, listings,
                                         lambda n, task=task: progress.update(task, advance=n))
                created.append(community)
        self.analyze(vacuum=bool(listings))
        elapsed = time.perf_counter() - started
        for community in created:
            self.stdout.write(f"{community.slug}\t{community.member_prefix}\t{members} members"
                              + (f"\t{listings} listings" if listings else ""))
        self.stdout.write(f"Seeded {communities * members} members"
                          + (f" and {communities * listings} listings" if listings else "")
                          + f" in {communities} communit{'y' if communities == 1 else 'ies'} in {elapsed:.1f} s.")

    def analyze(self, *, vacuum: bool = False) -> None:
        """Refresh the planner's statistics: after a bulk load they describe empty tables, and
        PostgreSQL would plan the first queries as if they still were. After listings, the whole
        database (the listings' table belongs to another app), vacuumed too on PostgreSQL."""
        with connection.cursor() as cursor:
            if vacuum:
                # VACUUM cannot run in a transaction (the command's callers' tests run in one).
                vacuum_ok = connection.vendor == "postgresql" and not connection.in_atomic_block
                cursor.execute("VACUUM ANALYZE" if vacuum_ok else "ANALYZE")
                return
            tables = [m._meta.db_table for m in (Person, Membership, MembershipRole, Gift, Check, Application)]
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    def insert_neighbourhoods(self, community: Community, index: int) -> dict[str, tuple[float, float]]:
        """The demo's neighbourhood names around a centre of the community's own (communities
        about 20 km apart), as Neighbourhood rows; returns name -> centre."""
        centre = (TOWN_CENTRE[0] + 0.18 * (index % 10), TOWN_CENTRE[1] + 0.3 * (index // 10))
        places = {name: (round(centre[0] + dlat, 4), round(centre[1] + dlng, 4))
                  for name, (dlat, dlng) in zip(NEIGHBOURHOODS, NEIGHBOURHOOD_OFFSETS, strict=False)}
        Neighbourhood.objects.bulk_create([
            Neighbourhood(community=community, name=name, slug=slugify(name), lat=lat, lng=lng)
            for name, (lat, lng) in places.items()
        ])
        return places

    def insert_listings(self, seed: str, community: Community, places: dict[str, tuple[float, float]],
                        count: int, advance) -> None:
        owners = list(
            Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
            .order_by("number").values_list("person_id", "person__neighbourhood")
        )
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
        exchange_services.listings_seed(community=community, owners=owners, places=places, count=count, rng=rng,
                                        advance=advance)

    def create_community(self, rng: random.Random, index: int) -> Community:
        slugs = set(Community.objects.values_list("slug", flat=True))
        prefixes = set(Community.objects.values_list("member_prefix", flat=True))
        slug = next(s for n in count(1) if (s := f"seed-{n}") not in slugs)
        prefix = next(p for n in count(0) if (p := "S" + _letters(n)) not in prefixes and len(p) <= 5)
        town = rng.choice(TOWNS)
        try:
            return services.community_create(
                actor=None, name=f"{town} Time Bank (synthetic {slug[5:]})", slug=slug, member_prefix=prefix,
                area_description=f"Synthetic data for benchmarks, community {index + 1}.",
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def insert_batch(self, rng: random.Random, community: Community, first: int, last: int) -> None:
        now = timezone.now()
        today = timezone.localdate()
        prefix = community.member_prefix.lower()
        people = []
        for number in range(first, last + 1):
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            joined = now - dt.timedelta(days=rng.randint(0, 3650))
            login = self.last_login(rng, now)
            people.append(Person(
                email=f"{prefix}{number}@seed.example",
                password=UNUSABLE_PASSWORD,
                full_name=f"{first_name} {last_name}",
                known_as=first_name if number % 3 == 0 else "",
                neighbourhood=rng.choice(NEIGHBOURHOODS),
                availability=sorted(rng.sample(AVAILABILITY_SLOTS, rng.randint(1, 6)), key=AVAILABILITY_SLOTS.index),
                contact_preferences=[ContactChannel.EMAIL],
                date_joined=joined,
                last_login=max(login, joined) if login else None,
            ))
        with transaction.atomic():
            Person.objects.bulk_create(people)
            memberships = [
                Membership(
                    community=community, person_id=person.pk, number=number,
                    status=MembershipStatus.ARCHIVED if number % 50 == 0 else MembershipStatus.ACTIVE,
                    joined_at=person.date_joined,
                    archived_at=now if number % 50 == 0 else None,
                )
                for number, person in zip(range(first, last + 1), people, strict=True)
            ]
            Membership.objects.bulk_create(memberships)
            roles = [MembershipRole(membership_id=m.pk, role=Role.MEMBER, granted_at=m.joined_at) for m in memberships]
            roles += [
                MembershipRole(membership_id=m.pk, role=Role.COORDINATOR, granted_at=m.joined_at)
                for m in memberships if m.number % COORDINATOR_EVERY == 1
            ]
            MembershipRole.objects.bulk_create(roles)
            gifts = []
            for person in people:
                for kind in rng.sample(list(GIFT_POOL), rng.randint(1, 3)):
                    gifts.append(Gift(person_id=person.pk, kind=kind, description=rng.choice(GIFT_POOL[kind])))
            Gift.objects.bulk_create(gifts)
            recorder = self.coordinator(community, memberships)
            checks = []
            for m in memberships:
                if m.number % CHECK_EVERY != 1:
                    continue
                checked = today - dt.timedelta(days=rng.randint(30, 4 * 365))
                checks.append(Check(community=community, person_id=m.person_id, kind=CheckKind.ID_SEEN,
                                    result=CheckResult.PASSED, checked_on=checked, recorded_by_id=recorder))
                checks.append(Check(community=community, person_id=m.person_id, kind=CheckKind.BACKGROUND,
                                    result=CheckResult.PASSED, checked_on=checked,
                                    expires_on=checked + dt.timedelta(days=3 * 365), recorded_by_id=recorder,
                                    reference_number=f"DBS-{m.number:07d}"))
            Check.objects.bulk_create(checks)

    @staticmethod
    def last_login(rng: random.Random, now: dt.datetime) -> dt.datetime | None:
        roll = rng.random()
        if roll < 0.4:
            return now - dt.timedelta(minutes=rng.randint(1, 30 * 24 * 60))
        if roll < 0.7:
            return now - dt.timedelta(days=rng.randint(31, 365))
        return None

    def coordinator(self, community: Community, memberships: list[Membership]) -> int:
        if memberships and memberships[0].number == 1:
            self._coordinator_id = memberships[0].person_id
        return self._coordinator_id

    def insert_applications(self, rng: random.Random, community: Community, how_many: int) -> None:
        now = timezone.now()
        prefix = community.member_prefix.lower()
        applicants = []
        for i in range(1, how_many + 1):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            applicants.append(Person(email=f"{prefix}-applicant{i}@seed.example", password=UNUSABLE_PASSWORD,
                                     full_name=name, neighbourhood=rng.choice(NEIGHBOURHOODS),
                                     contact_preferences=[ContactChannel.EMAIL]))
        with transaction.atomic():
            Person.objects.bulk_create(applicants, batch_size=5000)
            Application.objects.bulk_create(
                [
                    Application(
                        community=community, person_id=p.pk, status=ApplicationStatus.PENDING, full_name=p.full_name,
                        email=p.email or "", neighbourhood=p.neighbourhood, contact_preference=ContactChannel.EMAIL,
                        about=f"I can help with {rng.choice(GIFT_POOL[GiftKind.HANDS]).lower()}.",
                        submitted_at=now - dt.timedelta(days=rng.randint(0, 60)),
                    )
                    for p in applicants
                ],
                batch_size=5000,
            )
