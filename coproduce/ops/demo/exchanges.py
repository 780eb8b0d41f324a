"""A year of exchange history for the Riverside demo, built through the real services.

Neighbours help each other with what their gift profiles say they can give; most exchanges are
recorded by one side and confirmed by the other, some are brokered by coordinators for offline
members or entered from paper slips, a few are declined or disputed, a class and a house move
show group exchanges, members donate to the community fund and coordinators grant from it, and
one mistaken entry is reversed. A handful recorded this week wait for confirmation, so the "To
confirm" lists are not empty. Dates are spread over the past year; the records themselves are
made now (the ledger's `created_at`), as if a coordinator had typed in a year of paper records."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.test.utils import override_settings
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.core.errors import ApplicationError
from coproduce.exchanges.models import Exchange, Listing
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import fund as fund_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.notifications.services import notifications

SEED = 2013

CATEGORIES = {
    "hands": [
        "Gardening",
        "DIY and small repairs",
        "Lifts to appointments",
        "Cooking a meal",
        "Dog walking",
        "Help moving furniture",
        "Shopping",
    ],
    "head": ["Computer help", "Form filling", "Letter writing", "Budgeting help", "Phone set-up"],
    "heart": [
        "Befriending visit",
        "A cup of tea and a chat",
        "Phone call check-in",
        "Reading together",
    ],
    "teach": ["Knitting lesson", "English conversation", "Cooking lesson", "Gardening lesson"],
}
MINUTES = [30, 45, 60, 60, 60, 90, 90, 120, 120, 150, 180]


def history_exists(community) -> bool:
    return Exchange.objects.filter(community=community).exists()


def build_history(
    slug: str = "riverside",
    *,
    exchanges: int = 420,
    alongside: list[tuple[dt.datetime, Callable[[], object]]] | None = None,
) -> bool:
    """Build the history once. Returns True if it built it. `alongside`: other dated events of the
    same year (another part of the demo's registers and redemptions: when, and the call that
    records it), run among the exchanges, oldest first, so the ledger reads in date order."""
    community = communities_selectors.community_get(slug)
    if history_exists(community):
        return False
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        notifications.quietly(),
    ):
        _History(community, alongside or []).build(exchanges)
    return True


class _History:
    def __init__(
        self, community, alongside: list[tuple[dt.datetime, Callable[[], object]]]
    ) -> None:
        self.community = community
        self.alongside = sorted(alongside, key=lambda event: event[0])
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not a secret
        self.today = timezone.localdate()
        memberships = directory_selectors.member_directory(community, limit=100_000)
        # Members who joined in the last two months have not had an exchange yet.
        settled = timezone.now() - dt.timedelta(days=60)
        self.people = [m.person for m in memberships if m.joined_at <= settled]
        self.coordinators = [
            m.person for m in memberships if any(r.role == "coordinator" for r in m.roles.all())
        ]
        self.offline = [p for p in self.people if p.is_offline or not p.email]
        self.online = [p for p in self.people if p not in self.offline]
        self.key = 0

    def next_key(self) -> str:
        self.key += 1
        return f"demo-history-{self.key}"

    def day(self, oldest: int = 360, newest: int = 8) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(newest, oldest))

    def category(self) -> str:
        return self.rng.choice(CATEGORIES[self.rng.choice(list(CATEGORIES))])

    def pair(self, pool):
        a, b = self.rng.sample(pool, 2)
        return a, b

    def build(self, count: int) -> None:
        coordinator = self.coordinators[0]
        # The fund starts with donations so grants can be made.
        for person in self.rng.sample(self.online, 8):
            self.safe(
                fund_services.fund_donate,
                actor=person,
                community=self.community,
                person=person,
                minutes=self.rng.choice([60, 120, 180]),
                idempotency_key=self.next_key(),
                note="Giving back to the fund",
                effective_at=timezone.now() - dt.timedelta(days=365),
            )
        # Entered oldest first, as a year of records would have been, so statements read in date
        # order.
        days = sorted(self.day() for _ in range(count))
        for i, day in enumerate(days):
            self.catch_up(day)
            roll = self.rng.random()
            if i == count // 2:
                self.group_class(day)
            elif i == count * 2 // 3:
                self.house_move(day)
            elif roll < 0.72:
                self.member_exchange(confirm=True, day=day)
            elif roll < 0.82:
                self.coordinator_entry(coordinator, slip=False, day=day)
            elif roll < 0.90:
                self.coordinator_entry(coordinator, slip=True, number=1000 + i, day=day)
            elif roll < 0.94:
                self.member_exchange(confirm=False, day=day)
            elif roll < 0.96:
                self.member_exchange(confirm=None, day=day)
            else:
                self.member_exchange(confirm=True, day=day)
        self.catch_up(None)
        for person in self.rng.sample(self.people, 3):
            self.safe(
                fund_services.fund_grant,
                actor=coordinator,
                community=self.community,
                person=person,
                minutes=120,
                reason="Help after a hospital stay",
                idempotency_key=self.next_key(),
            )
        mistake = self.member_exchange(confirm=True)
        if mistake is not None:
            self.safe(
                answers_services.exchange_reverse,
                actor=coordinator,
                exchange=mistake,
                reason="Entered twice: the same visit was already on a paper slip",
            )
        for _ in range(6):  # this week's, waiting for the other person
            self.member_exchange(confirm=None, recent=True)

    def catch_up(self, day: dt.date | None) -> None:
        """Run the other events that happened on or before `day` (all that are left: None)."""
        while self.alongside and (day is None or timezone.localdate(self.alongside[0][0]) <= day):
            _when, record = self.alongside.pop(0)
            record()

    def safe(self, fn, **kwargs):
        try:
            return fn(**kwargs)
        except ApplicationError:
            return None  # a limit or rule refused it, as it would in life

    def member_exchange(self, *, confirm, recent: bool = False, day: dt.date | None = None):
        provider, recipient = self.pair(self.online)
        recorder, other = (
            (provider, recipient) if self.rng.random() < 0.6 else (recipient, provider)
        )
        exchange = self.safe(
            exchanges_services.exchange_record,
            actor=recorder,
            community=self.community,
            idempotency_key=self.next_key(),
            providers=[provider],
            recipients=[recipient],
            minutes=self.rng.choice(MINUTES),
            effective_on=self.day(6, 0) if recent else (day or self.day(7, 1)),
            category=self.category(),
            expenses=[{"amount": "3.20", "currency": "GBP", "note": "Bus fare"}]
            if self.rng.random() < 0.05
            else None,
        )
        if exchange is None or recent:
            return exchange
        if confirm is True:
            return self.safe(answers_services.exchange_confirm, actor=other, exchange=exchange)
        if confirm is False:
            return self.safe(
                answers_services.exchange_decline,
                actor=other,
                exchange=exchange,
                reason="We agreed it was shorter than that",
            )
        return self.safe(
            answers_services.exchange_dispute,
            actor=other,
            exchange=exchange,
            reason="I don't think this happened on that day",
        )

    def coordinator_entry(
        self, coordinator, *, slip: bool, number: int = 0, day: dt.date | None = None
    ):
        pool = self.offline if len(self.offline) >= 2 and self.rng.random() < 0.7 else self.people
        provider, recipient = self.pair(pool)
        return self.safe(
            exchanges_services.exchange_enter,
            actor=coordinator,
            community=self.community,
            idempotency_key=self.next_key(),
            providers=[provider],
            recipients=[recipient],
            minutes=self.rng.choice(MINUTES),
            effective_on=day or self.day(),
            category=self.category(),
            slip_number=str(number) if slip else "",
            note="Arranged by phone" if not slip else "From the paper slip box",
        )

    def group_class(self, day: dt.date):
        teacher, *learners = self.rng.sample(self.online, 6)
        exchange = self.safe(
            exchanges_services.exchange_record,
            actor=teacher,
            community=self.community,
            idempotency_key=self.next_key(),
            providers=[teacher],
            recipients=learners,
            minutes=120,
            effective_on=day,
            title="Knitting circle at the library",
            category="Knitting lesson",
        )
        if exchange is not None:
            self.safe(answers_services.exchange_confirm, actor=learners[0], exchange=exchange)

    def house_move(self, day: dt.date):
        mover, *helpers = self.rng.sample(self.online, 4)
        exchange = self.safe(
            exchanges_services.exchange_record,
            actor=mover,
            community=self.community,
            idempotency_key=self.next_key(),
            providers=helpers,
            recipients=[mover],
            minutes=120,
            effective_on=day,
            title="Moving to a ground-floor flat",
            category="Help moving furniture",
        )
        if exchange is not None:
            self.safe(answers_services.exchange_confirm, actor=helpers[0], exchange=exchange)


# Listings ------------------------------------------------------------------------------------

# (kind, category slug, title, description, tags, mode)
LISTINGS = [
    (
        "offer",
        "gardening",
        "Weeding and tidying small gardens",
        "I love a tidy border. Happy to weed, prune and clear leaves; I bring my own gloves and "
        "tools.",
        ["weeding", "pruning"],
        "in_person",
    ),
    (
        "offer",
        "computer-help",
        "Help with laptops and email",
        "Patient help setting up email, video calls and online banking safely. I can come to the "
        "library with you.",
        ["laptop", "email", "scams"],
        "in_person",
    ),
    (
        "offer",
        "phones-and-tablets",
        "Smartphone basics, at your pace",
        "Texts, photos, WhatsApp to the grandchildren. No question is too small.",
        ["smartphone", "whatsapp"],
        "in_person",
    ),
    (
        "offer",
        "lifts-to-appointments",
        "Lifts to the surgery and hospital",
        "Weekday mornings. I drive a small hatchback; one wheelchair can go in the boot.",
        ["lifts", "hospital"],
        "in_person",
    ),
    (
        "offer",
        "befriending-and-company",
        "A cup of tea and a chat",
        "Retired teacher, happy to visit for company or go for a slow walk round the park.",
        ["company", "walks"],
        "in_person",
    ),
    (
        "offer",
        "languages-and-conversation",
        "Polish conversation practice",
        "Native speaker. Conversation over coffee for learners at any level.",
        ["polish"],
        "remote",
    ),
    (
        "offer",
        "languages-and-conversation",
        "Urdu and Punjabi conversation",
        "Practise speaking with a native speaker, in person or by video call.",
        ["urdu", "punjabi"],
        "remote",
    ),
    (
        "offer",
        "form-filling",
        "Help with benefit and council forms",
        "I used to work in an advice centre. I can help you fill in forms and check letters.",
        ["benefits", "council"],
        "in_person",
    ),
    (
        "offer",
        "knitting-and-crochet",
        "Knitting for beginners",
        "Small group at the library on Thursday afternoons. Needles and wool provided.",
        ["knitting", "group"],
        "in_person",
    ),
    (
        "offer",
        "diy-and-small-repairs",
        "Small repairs: shelves, taps, curtain rails",
        "Odd jobs around the house. I bring tools; you supply the parts.",
        ["diy", "shelves"],
        "in_person",
    ),
    (
        "offer",
        "cooking-and-meals",
        "Batch cooking for the freezer",
        "I'll cook a few healthy meals with you to freeze for the week.",
        ["meals", "cooking"],
        "in_person",
    ),
    (
        "offer",
        "pet-care",
        "Dog walking in Millbrook",
        "Morning walks for friendly dogs. Happy with big ones too.",
        ["dogs"],
        "in_person",
    ),
    (
        "offer",
        "bike-repair",
        "Bike check-ups and puncture repair",
        "Brakes, gears and punctures fixed at the community garden on Saturdays.",
        ["bikes"],
        "in_person",
    ),
    (
        "offer",
        "homework-help",
        "Maths homework help (to GCSE)",
        "Retired maths teacher. Sessions at the library.",
        ["maths", "gcse"],
        "in_person",
    ),
    (
        "offer",
        "music-lessons",
        "Beginner guitar",
        "Chords and strumming for beginners. I can lend a guitar.",
        ["guitar"],
        "in_person",
    ),
    (
        "offer",
        "letter-writing",
        "Letter writing and reading post",
        "I can read post with you and help write replies.",
        ["letters"],
        "in_person",
    ),
    (
        "offer",
        "event-help",
        "Setting up community events",
        "Tables, chairs, tea urns: I'm your person.",
        ["events"],
        "in_person",
    ),
    (
        "offer",
        "arts-and-crafts",
        "Card making afternoons",
        "Make birthday cards together; materials provided.",
        ["cards", "crafts"],
        "in_person",
    ),
    (
        "offer",
        "phone-calls",
        "Friendly weekly phone call",
        "A regular call for a chat, same time each week.",
        ["calls"],
        "remote",
    ),
    (
        "offer",
        "translation-and-interpreting",
        "Bengali interpreting at appointments",
        "I can come with you to the GP or school to interpret.",
        ["bengali"],
        "in_person",
    ),
    (
        "request",
        "computer-help",
        "Help setting up a new laptop",
        "My son bought me a laptop and I don't know where to start. Email and video calls please.",
        ["laptop", "email"],
        "in_person",
    ),
    (
        "request",
        "gardening",
        "Help to clear an overgrown back garden",
        "After my operation the garden has got away from me. A couple of hours would make a big "
        "difference.",
        ["garden"],
        "in_person",
    ),
    (
        "request",
        "lifts-to-appointments",
        "Lift to the eye clinic on a Tuesday",
        "Appointment at 10am at St Anne's; I can't drive after the drops.",
        ["hospital", "eyes"],
        "in_person",
    ),
    (
        "request",
        "befriending-and-company",
        "Someone to chat to in the afternoons",
        "I live alone and would love a visitor for a cup of tea now and then.",
        ["company"],
        "in_person",
    ),
    (
        "request",
        "form-filling",
        "Help with a blue badge application",
        "The online form defeats me. Can anyone help?",
        ["blue-badge"],
        "in_person",
    ),
    (
        "request",
        "diy-and-small-repairs",
        "Put up two shelves",
        "Shelves and brackets bought, just need a steady hand and a drill.",
        ["shelves", "drill"],
        "in_person",
    ),
    (
        "request",
        "languages-and-conversation",
        "English conversation practice",
        "I am learning English and want to practise speaking.",
        ["english"],
        "in_person",
    ),
    (
        "request",
        "moving-and-carrying",
        "Carry boxes to a ground-floor flat",
        "Moving two streets away; about 20 boxes and a small sofa.",
        ["moving"],
        "in_person",
    ),
    (
        "request",
        "phones-and-tablets",
        "Video calls to my family abroad",
        "I have a tablet but can't get video calls to work.",
        ["video-calls", "tablet"],
        "in_person",
    ),
    (
        "request",
        "homework-help",
        "Reading with my daughter (Year 3)",
        "Half an hour a week of reading together would really help her confidence.",
        ["reading"],
        "in_person",
    ),
    (
        "request",
        "shopping-trips",
        "Lift to the big supermarket once a fortnight",
        "I can't carry heavy bags on the bus any more.",
        ["shopping"],
        "in_person",
    ),
    (
        "request",
        "sewing-and-mending",
        "Take up two pairs of trousers",
        "I have the thread; I just can't see well enough any more.",
        ["mending"],
        "in_person",
    ),
    (
        "request",
        "litter-picking",
        "Volunteers for the canal clean-up",
        "Saturday morning litter pick along the towpath. Grabbers provided.",
        ["canal", "group"],
        "in_person",
    ),
    # Added later, at the end so the owners and ages of the ones above stay as they were.
    (
        "offer",
        "internet-and-email",
        "Email, passwords and staying safe online",
        "I help people get their email working again, sort out passwords and spot scam messages, "
        "on a laptop, tablet or phone.",
        ["email", "passwords", "scams"],
        "in_person",
    ),
    (
        "offer",
        "computer-help",
        "Slow computer? Updates, tidy-ups and printers",
        "Retired IT technician. I can speed up an old laptop or computer, install updates and get "
        "the printer working with it.",
        ["laptop", "computer", "printer"],
        "in_person",
    ),
    (
        "offer",
        "video-calls",
        "Video calls made easy",
        "Zoom, WhatsApp or FaceTime: we set it up together and practise until it feels easy.",
        ["video-calls", "zoom"],
        "remote",
    ),
    (
        "offer",
        "lawn-mowing",
        "Lawn mowing with my own mower",
        "Front or back lawns, fortnightly in the growing season. I take the clippings away.",
        ["lawn", "mowing"],
        "in_person",
    ),
    (
        "offer",
        "walks-and-outings",
        "Company on a walk to the park or the shops",
        "A steady arm and a chat. Mornings suit me best.",
        ["walks", "company"],
        "in_person",
    ),
    (
        "offer",
        "accompanying-to-hospital",
        "Someone with you at hospital appointments",
        "I can sit with you in the waiting room, take notes and help you ask your questions.",
        ["hospital", "appointments"],
        "in_person",
    ),
    (
        "request",
        "cleaning-and-tidying",
        "Help sorting a spare room",
        "Years of boxes. I would like help deciding what to keep and taking the rest to the "
        "charity shop.",
        ["sorting", "decluttering"],
        "in_person",
    ),
]


def build_listings(slug: str = "riverside") -> bool:
    """A realistic spread of offers and requests, once. Returns True if it built them."""
    community = communities_selectors.community_get(slug)
    if Listing.objects.filter(community=community).exists():
        return False
    rng = random.Random(SEED + 1)  # noqa: S311 - demo data, not a secret
    memberships = directory_selectors.member_directory(community, limit=100_000)
    people = [m.person for m in memberships if m.person.email]
    slots = list(AVAILABILITY_SLOTS)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for i, (kind, category, title, description, tags, mode) in enumerate(LISTINGS):
            owner = people[(i * 7) % len(people)]
            # A few points around the middle of the made-up area, never an address (rounded ~100 m).
            lat = 51.50 + rng.uniform(-0.02, 0.02)
            lng = -0.12 + rng.uniform(-0.03, 0.03)
            weeks = rng.choice([1, 3, 6, 10, 12])
            try:
                listing = listings_services.listing_create(
                    actor=owner,
                    community=community,
                    kind=kind,
                    category=category,
                    title=title,
                    description=description,
                    tags=tags,
                    mode=mode,
                    expires_at=timezone.now() + dt.timedelta(weeks=weeks),
                    availability=sorted(rng.sample(slots, 4), key=slots.index),
                    neighbourhood=owner.neighbourhood,
                    lat=lat,
                    lng=lng,
                    is_group="group" in tags,
                    visibility="public" if title in PUBLIC_TITLES else "community",
                )
            except ApplicationError:
                continue  # a rule refused it (for example a check level), as it would in life
            if kind == "request":
                # Requests came in over the past weeks (from the paper list before the platform), so
                # some have waited long enough to be on the coordinators' "Needs a person" list.
                posted = timezone.now() - dt.timedelta(days=REQUEST_AGES[i % len(REQUEST_AGES)])
                Listing.objects.filter(pk=listing.pk).update(created_at=posted, updated_at=posted)
    return True


REQUEST_AGES = [2, 12, 9, 20, 4, 15, 26, 1, 10, 33]  # days
# Shared with everyone, so a visitor signed out sees them on Riverside's public page.
PUBLIC_TITLES = {
    "Weeding and tidying small gardens",
    "Bike check-ups and puncture repair",
    "Knitting for beginners",
    "Setting up community events",
    "Volunteers for the canal clean-up",
    "Beginner guitar",
}
