"""The demo: Riverside, a neighbourhood time bank, and Hillside, a small one up the hill.

Everything is built through the real services (applications, interviews, references, checks,
approvals, gift profiles, privacy, roles, rulebook changes), so the demo shows the audit trail and
the rules exactly as they would be in use. The data is fixed: a seeded random generator picks the
generated members' names and gifts, so every build is the same.

Two things are set directly rather than through a service, both history from before the
platform: the founding members' join dates (from the paper register) and when the waiting
applications came in. Neither is a state change a person made in the software.

`DEMO_LOGINS` is what the `demo` command prints and the README lists."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.test.utils import override_settings
from django.utils import timezone

from coproduce.communities.models import (
    Application,
    Check,
    CheckKind,
    CheckResult,
    Community,
    ContactChannel,
    GiftKind,
    Membership,
    Person,
    ReferenceOutcome,
    Role,
    Visibility,
)
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS

DEMO_PASSWORD = "riverside-demo"
SEED = 2013  # the year of the blog post the project starts from
PHONE_MEMBER_NUMBER = "RIV-0005"


@dataclass(frozen=True)
class DemoLogin:
    who: str
    login: str
    what: str
    password: str = DEMO_PASSWORD


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin(
        "Coordinator",
        "coordinator@riverside.example",
        "Bernie Walsh runs Riverside: applications, checks, rules. Exempt from two-factor sign-in "
        "(demo only).",
    ),
    DemoLogin(
        "Coordinator",
        "coordinator2@riverside.example",
        "Tariq Hussain, second coordinator of Riverside.",
    ),
    DemoLogin(
        "Coordinator",
        "coordinator3@riverside.example",
        "Gwen Pritchard, third coordinator of Riverside.",
    ),
    DemoLogin(
        "Member",
        "member@riverside.example",
        "Maya Kowalczyk: full gift profile, belongs to Riverside and Hillside. She proposed P-1, "
        "the credit floor from -20h to -30h, which the members adopted.",
    ),
    DemoLogin(
        "Phone-only member",
        PHONE_MEMBER_NUMBER,
        "Dorothy Evans has no email: she signs in with her member number. On her member page a "
        "coordinator can set her first password or print her a sign-in letter with a one-time "
        "code.",
    ),
    DemoLogin(
        "Agency staff",
        "staff@riverside.example",
        "Priya Shah, social prescriber and admin of Riverside Health Centre: her home page has "
        "yesterday's register to fill in, her next sessions and referrals waiting. She answered "
        "the members' ask P-2 for the health centre, with one commitment now overdue.",
    ),
    DemoLogin(
        "Group lead",
        "grouplead@riverside.example",
        "Dev Malhotra, lead of the Docks Community Garden.",
    ),
    DemoLogin(
        "Steward",
        "steward@riverside.example",
        "Hilda Brennan, rulebook steward: sits on the panel for a warning under appeal, mediates "
        "a dispute, and wrote the spring meeting's decision into the rulebook.",
    ),
    DemoLogin(
        "Hillside coordinator",
        "hal.jenkins@hillside.example",
        "Hal Jenkins runs Hillside, where the rules still hold the -20h floor. Exempt from "
        "two-factor sign-in (demo only).",
    ),
    DemoLogin(
        "Operator",
        "operator@coproduce.example",
        "Runs the whole install. Exempt from two-factor sign-in (demo only).",
    ),
]


def demo_logins_markdown() -> str:
    """The logins as a markdown table, for the README (`coproduce demo --logins-markdown`)."""
    rows = [f"| {d.who} | `{d.login}` | {d.what} |" for d in DEMO_LOGINS]
    return "\n".join(
        [
            f"Password for every demo login: `{DEMO_PASSWORD}`",
            "",
            "| who | sign in with | what they can show you |",
            "|---|---|---|",
            *rows,
        ]
    )


NEIGHBOURHOODS = ["Docks", "Old Town", "Millbrook", "St Anne's"]
# Rough centres (lat, lng) inside the made-up area where the demo listings' points fall
# (ops/demo/exchanges.py: 51.48-51.52 N, 0.09-0.15 W), so "near Millbrook" finds some of them.
NEIGHBOURHOOD_CENTRES = {
    "Docks": (51.508, -0.100),
    "Old Town": (51.503, -0.124),
    "Millbrook": (51.489, -0.138),
    "St Anne's": (51.514, -0.143),
}
STREETS = {
    "Docks": ["Wharf Street", "Ropewalk", "Chandlers Row", "Basin Road"],
    "Old Town": ["Market Place", "Church Lane", "Castle Street", "Tanners Yard"],
    "Millbrook": ["Mill Lane", "Brook Avenue", "Weavers Close", "Station Road"],
    "St Anne's": ["St Anne's Road", "Orchard Way", "Vicarage Gardens", "Elm Grove"],
}

GIFT_POOL: dict[str, list[str]] = {
    GiftKind.HEAD: [
        "IT help: phones, tablets and video calls",
        "Form filling: benefits, blue badge and council forms",
        "Bookkeeping for small groups",
        "Reading letters aloud and explaining them",
        "CV writing and job applications",
        "Help with online shopping and banking",
        "Local history of the docks",
        "Knows the bus routes inside out",
        "Basic first aid",
        "Making sense of energy bills",
    ],
    GiftKind.HANDS: [
        "Gardening and weeding",
        "Lifts to GP and hospital appointments",
        "Dog walking",
        "Small DIY jobs: shelves, curtain rails, flat-pack",
        "Cooking batch meals",
        "Knitting and mending clothes",
        "Shopping for housebound neighbours",
        "Decorating and painting",
        "Bike repairs",
        "Baking for community events",
        "Sewing and alterations",
        "Allotment digging",
    ],
    GiftKind.HEART: [
        "Befriending older neighbours",
        "Reading to children at the library",
        "Phone calls to people living alone",
        "Welcoming newcomers to the area",
        "Keeping the canal path tidy",
        "Company at hospital appointments",
        "A listening ear",
        "Supporting unpaid carers",
        "Tea and chat at the Old Town drop-in",
    ],
    GiftKind.TEACH: [
        "Polish conversation",
        "Urdu conversation",
        "Beginners' knitting",
        "Basic computer skills",
        "Cooking on a budget",
        "Guitar for beginners",
        "English conversation for newcomers",
        "Gardening for beginners",
        "British Sign Language basics",
        "Bengali conversation",
        "Bike maintenance",
    ],
}

FIRST_NAMES = [
    "Amira",
    "Bernard",
    "Chloe",
    "Dariusz",
    "Eileen",
    "Farhan",
    "Grace",
    "Harold",
    "Imran",
    "Joan",
    "Kwame",
    "Lily",
    "Mohammed",
    "Nadia",
    "Oliver",
    "Patricia",
    "Rashid",
    "Sandra",
    "Tomasz",
    "Una",
    "Vera",
    "Winston",
    "Yasmin",
    "Zainab",
    "Agnieszka",
    "Brian",
    "Carol",
    "Derek",
    "Ellie",
    "Fatima",
    "George",
    "Hannah",
    "Ian",
    "Jasmine",
    "Kevin",
    "Linda",
    "Margaret",
    "Nasreen",
    "Owen",
    "Pauline",
    "Ravi",
    "Shirley",
    "Terry",
    "Usha",
    "Valerie",
    "Aled",
    "Bronwen",
    "Ciaran",
    "Deborah",
    "Errol",
]
LAST_NAMES = [
    "Ahmed",
    "Baker",
    "Campbell",
    "Davies",
    "Fletcher",
    "Green",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Taylor",
    "Walker",
    "Williams",
    "Begum",
    "Khan",
    "Wright",
    "Morris",
    "Hughes",
    "Osei",
    "Murphy",
    "Chowdhury",
    "Clarke",
    "Edwards",
]
LANGUAGES = [
    "English",
    "English",
    "English",
    "English, Polish",
    "English, Urdu",
    "English, Bengali",
    "English, Welsh",
    "English, Somali",
    "English, Punjabi, Urdu",
    "English, Twi",
]
ACCESSIBILITY = [
    "",
    "",
    "",
    "",
    "",
    "Large print, please.",
    "Hard of hearing: text or visit rather than phone.",
    "Uses a wheelchair: ground-floor meeting places only.",
    "Afternoons are better; mornings are hard.",
]


@dataclass
class Persona:
    full_name: str
    known_as: str = ""
    email: str | None = None
    username: str | None = None
    phone: str = ""
    neighbourhood: str = ""
    address: str = ""
    date_of_birth: dt.date | None = None
    is_offline: bool = False
    login: bool = False
    gifts: list[tuple[str, str]] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    languages: str = "English"
    accessibility_needs: str = ""
    privacy: dict[str, str] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    years_ago: float = 2.0


class DemoIncomplete(Exception):
    """Riverside exists but the build stopped part-way; `coproduce demo --reset` starts again."""


def demo_exists() -> bool:
    """True when the demo has been fully built (Hillside is built last)."""
    riverside = Community.objects.filter(slug="riverside").exists()
    hillside = Community.objects.filter(slug="hillside").exists()
    if riverside and not hillside:
        raise DemoIncomplete(
            "The demo data is incomplete. Run `coproduce demo --reset` to build it again."
        )
    return riverside


def build_demo() -> bool:
    """Build the demo communities unless they are there already. Returns True if it built them.
    Raises DemoIncomplete when an earlier build stopped part-way."""
    if demo_exists():
        return False
    # The addresses are made up: no email leaves the machine while the demo is built.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        _Builder().build()
    return True


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not a secret
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.phone_counter = 0

    # helpers -------------------------------------------------------------------------------

    def phone(self) -> str:
        # 07700 900000-900999 is Ofcom's range for drama: never a real number.
        self.phone_counter += 1
        return f"07700 900{self.phone_counter:03d}"

    def slots(self, low: int = 3, high: int = 8) -> list[str]:
        return sorted(
            self.rng.sample(AVAILABILITY_SLOTS, self.rng.randint(low, high)),
            key=AVAILABILITY_SLOTS.index,
        )

    def gifts(self) -> list[tuple[str, str]]:
        kinds = [GiftKind.HEAD, GiftKind.HANDS, GiftKind.HEART, GiftKind.TEACH]
        chosen = [GiftKind.HANDS, *self.rng.sample(kinds, self.rng.randint(1, 3))]
        return [(kind, self.rng.choice(GIFT_POOL[kind])) for kind in dict.fromkeys(chosen)]

    def address(self, neighbourhood: str) -> str:
        return f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS[neighbourhood])}"

    def dob(self, youngest: int = 18, oldest: int = 88) -> dt.date:
        age = self.rng.randint(youngest, oldest)
        return dt.date(self.today.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def person(self, p: Persona) -> Person:
        person = Person.objects.create_user(
            email=p.email,
            password=DEMO_PASSWORD if p.login else None,
            full_name=p.full_name,
            known_as=p.known_as,
            username=p.username,
            phone=p.phone,
            neighbourhood=p.neighbourhood,
            address=p.address,
            date_of_birth=p.date_of_birth,
            is_offline=p.is_offline,
        )
        return person

    def profile(self, actor: Person, person: Person, p: Persona) -> None:
        """Gift profile and privacy, as the member sets them (or a coordinator for offline
        members)."""
        prefs: list[str] = []
        if person.email:
            prefs.append(ContactChannel.EMAIL)
        if person.phone:
            prefs.append(ContactChannel.PHONE)
        if person.is_offline or not prefs:
            prefs.append(ContactChannel.COORDINATOR)
        profiles_services.gift_profile_update(
            actor=actor,
            person=person,
            gifts=p.gifts,
            availability=p.availability,
            languages=p.languages,
            accessibility_needs=p.accessibility_needs,
            contact_preferences=prefs,
        )
        if p.privacy:
            privacy_services.privacy_update(actor=actor, person=person, visibility=p.privacy)

    def backdate_membership(self, membership: Membership, years_ago: float) -> None:
        joined = self.now - dt.timedelta(days=round(365 * years_ago))
        Membership.objects.filter(pk=membership.pk).update(joined_at=joined)

    def backdate_application(self, application: Application, days_ago: int) -> None:
        Application.objects.filter(pk=application.pk).update(
            submitted_at=self.now - dt.timedelta(days=days_ago)
        )

    def check(
        self,
        person: Person,
        kind: str,
        *,
        checked_days_ago: int,
        valid_days: int | None,
        result: str = CheckResult.PASSED,
        reference: str = "",
        note: str = "",
        community: Community | None = None,
        actor: Person | None = None,
    ) -> None:
        checked_on = self.today - dt.timedelta(days=checked_days_ago)
        expires_on = checked_on + dt.timedelta(days=valid_days) if valid_days else None
        vetting_services.check_record(
            actor=actor or self.coordinator,
            community=community or self.riverside,
            person=person,
            kind=kind,
            result=result,
            checked_on=checked_on,
            expires_on=expires_on,
            reference_number=reference,
            note=note,
        )

    # the build -----------------------------------------------------------------------------

    def build(self) -> None:
        self.operator = Person.objects.create_user(
            email="operator@coproduce.example",
            password=DEMO_PASSWORD,
            full_name="Olu Adeyemi",
            known_as="Olu",
            is_operator=True,
            is_staff=True,
            is_superuser=True,
            mfa_exempt=True,
        )
        self.riverside = communities_services.community_create(
            actor=self.operator,
            name="Riverside",
            slug="riverside",
            member_prefix="RIV",
            area_description=(
                "A neighbourhood time bank for the Docks, Old Town, Millbrook and St Anne's: "
                "neighbours swapping hours, the Millbrook GP practice referring patients in, and "
                "groups like the Docks Community Garden working alongside them."
            ),
        )
        self.build_staff()
        self.build_neighbourhoods()
        self.build_rulebook()
        self.build_founding_members()
        self.build_recent_members()
        self.build_pending_applications()
        self.build_checks()
        self.build_hillside()

    def build_staff(self) -> None:
        """The people with fixed logins, in a fixed order so their member numbers are known."""
        op = self.operator
        bernie = self.person(
            Persona(
                "Bernadette Walsh",
                "Bernie",
                email="coordinator@riverside.example",
                phone=self.phone(),
                neighbourhood="Old Town",
                address="4 Church Lane",
                login=True,
            )
        )
        bernie.mfa_exempt = True
        bernie.save(update_fields=["mfa_exempt"])
        self.coordinator = bernie
        m = memberships_services.membership_add(
            actor=op, community=self.riverside, person=bernie, roles=[Role.COORDINATOR]
        )
        self.backdate_membership(m, 6)
        self.profile(
            bernie,
            bernie,
            Persona(
                "",
                gifts=[
                    (GiftKind.HEAD, "Knows every group and service in Riverside"),
                    (GiftKind.HEART, "Bringing people together"),
                    (GiftKind.TEACH, "Running a good meeting"),
                ],
                availability=["mon-am", "tue-am", "wed-am", "thu-am", "fri-am"],
                languages="English, Irish",
                privacy={"email": Visibility.MEMBERS, "phone": Visibility.MEMBERS},
            ),
        )

        for email, name, known, hood in [
            ("coordinator2@riverside.example", "Tariq Hussain", "Tariq", "Millbrook"),
            ("coordinator3@riverside.example", "Gwen Pritchard", "Gwen", "St Anne's"),
        ]:
            person = self.person(
                Persona(
                    name,
                    known,
                    email=email,
                    phone=self.phone(),
                    neighbourhood=hood,
                    address=self.address(hood),
                    login=True,
                )
            )
            person.mfa_exempt = True
            person.save(update_fields=["mfa_exempt"])
            m = memberships_services.membership_add(
                actor=bernie, community=self.riverside, person=person
            )
            memberships_services.role_set(
                actor=bernie, membership=m, role=Role.COORDINATOR, granted=True
            )
            self.backdate_membership(m, 4)
            self.profile(
                person,
                person,
                Persona(
                    "",
                    gifts=self.gifts(),
                    availability=self.slots(4, 8),
                    languages="English, Urdu" if known == "Tariq" else "English, Welsh",
                    privacy={"email": Visibility.MEMBERS},
                ),
            )

        maya = self.person(
            Persona(
                "Maya Kowalczyk",
                "Maya",
                email="member@riverside.example",
                phone=self.phone(),
                neighbourhood="Docks",
                address="17 Wharf Street",
                date_of_birth=dt.date(1986, 5, 14),
                login=True,
            )
        )
        self.member = maya
        m = memberships_services.membership_add(actor=bernie, community=self.riverside, person=maya)
        self.backdate_membership(m, 3)
        self.profile(
            maya,
            maya,
            Persona(
                "",
                gifts=[
                    (GiftKind.HEAD, "IT help: setting up phones, tablets and video calls"),
                    (GiftKind.HEAD, "Form filling: benefits and council forms"),
                    (GiftKind.HANDS, "Gardening and weeding"),
                    (GiftKind.HANDS, "Dog walking"),
                    (GiftKind.HEART, "Befriending older neighbours"),
                    (GiftKind.TEACH, "Polish conversation"),
                ],
                availability=["tue-eve", "thu-eve", "sat-am", "sat-pm", "sun-am"],
                languages="Polish, English",
                accessibility_needs="",
                privacy={
                    "phone": Visibility.MEMBERS,
                    "email": Visibility.MEMBERS,
                    "photo": Visibility.PUBLIC,
                },
            ),
        )

        dorothy = self.person(
            Persona(
                "Dorothy Evans",
                "Dot",
                username="dorothy.evans",
                phone=self.phone(),
                neighbourhood="Old Town",
                address="2 Tanners Yard",
                date_of_birth=dt.date(1941, 11, 2),
                login=True,
            )
        )
        m = memberships_services.membership_add(
            actor=bernie, community=self.riverside, person=dorothy
        )
        if m.member_code != PHONE_MEMBER_NUMBER:
            raise RuntimeError(
                f"The phone-only demo login should be {PHONE_MEMBER_NUMBER}, not {m.member_code}."
            )
        self.backdate_membership(m, 5)
        self.profile(
            bernie,
            dorothy,
            Persona(
                "",
                gifts=[
                    (GiftKind.HANDS, "Knitting and mending clothes"),
                    (GiftKind.TEACH, "Beginners' knitting"),
                    (GiftKind.HEART, "Phone calls to people living alone"),
                ],
                availability=["mon-pm", "wed-pm", "fri-pm"],
                accessibility_needs="Large print, please.",
            ),
        )

        priya = self.person(
            Persona(
                "Priya Shah",
                "Priya",
                email="staff@riverside.example",
                phone="0161 496 0000",
                neighbourhood="Millbrook",
                login=True,
            )
        )
        m = memberships_services.membership_add(
            actor=bernie, community=self.riverside, person=priya, roles=[Role.AGENCY_STAFF]
        )
        self.backdate_membership(m, 1.5)
        self.staff = priya
        self.profile(
            priya,
            priya,
            Persona(
                "",
                gifts=[
                    (GiftKind.HEAD, "Social prescribing at Riverside Health Centre"),
                    (GiftKind.TEACH, "Looking after your mental health"),
                ],
                availability=["mon-am", "tue-am", "wed-am", "thu-am"],
                languages="English, Gujarati",
                privacy={"email": Visibility.MEMBERS, "phone": Visibility.MEMBERS},
            ),
        )

        dev = self.person(
            Persona(
                "Dev Malhotra",
                "Dev",
                email="grouplead@riverside.example",
                phone=self.phone(),
                neighbourhood="Docks",
                address=self.address("Docks"),
                login=True,
            )
        )
        m = memberships_services.membership_add(
            actor=bernie, community=self.riverside, person=dev, roles=[Role.GROUP_LEAD]
        )
        self.backdate_membership(m, 2.5)
        self.profile(
            dev,
            dev,
            Persona(
                "",
                gifts=[
                    (GiftKind.HANDS, "Allotment digging"),
                    (GiftKind.TEACH, "Gardening for beginners"),
                    (GiftKind.HEART, "Runs the Docks Community Garden"),
                ],
                availability=["sat-am", "sun-am", "wed-eve"],
                languages="English, Punjabi",
                privacy={"email": Visibility.PUBLIC},
            ),
        )

        hilda = self.person(
            Persona(
                "Hilda Brennan",
                "Hilda",
                email="steward@riverside.example",
                phone=self.phone(),
                neighbourhood="St Anne's",
                address=self.address("St Anne's"),
                login=True,
            )
        )
        m = memberships_services.membership_add(
            actor=bernie, community=self.riverside, person=hilda
        )
        memberships_services.role_set(actor=bernie, membership=m, role=Role.STEWARD, granted=True)
        self.backdate_membership(m, 5.5)
        self.steward = hilda
        self.profile(
            hilda,
            hilda,
            Persona(
                "",
                gifts=[
                    (GiftKind.HEAD, "Bookkeeping for small groups"),
                    (GiftKind.HEART, "Fair rules for everyone"),
                ],
                availability=["tue-pm", "thu-pm"],
            ),
        )

    def build_rulebook(self) -> None:
        communities_services.rulebook_change(
            actor=self.coordinator,
            community=self.riverside,
            changes={"auto_confirm_days": 7},
            reason="Members said two weeks was too long to wait for hours to show; agreed at the "
            "coordinators' meeting to try one week.",
        )
        communities_services.rulebook_change(
            actor=self.steward,
            community=self.riverside,
            changes={"credit_floor_minutes": -1200, "max_minutes_per_exchange": 6 * 60},
            reason="Decided at the members' annual meeting: newcomers may receive up to 20 hours "
            "before they give, and one exchange records at most 6 hours.",
            source="decision",
        )

    def generated_personas(self, count: int) -> list[Persona]:
        names = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
        self.rng.shuffle(names)
        personas = []
        for i, (first, last) in enumerate(names[:count]):
            hood = NEIGHBOURHOODS[i % len(NEIGHBOURHOODS)]
            offline = i % 7 == 3
            handle = f"{first}.{last}".lower().replace("'", "")
            personas.append(
                Persona(
                    full_name=f"{first} {last}",
                    known_as=first if i % 3 == 0 else "",
                    email=None if offline else f"{handle}@riverside.example",
                    username=f"{handle}{i}" if offline else None,
                    phone=self.phone() if offline or i % 2 == 0 else "",
                    neighbourhood=hood,
                    address=self.address(hood),
                    date_of_birth=self.dob() if i % 4 != 1 else None,
                    is_offline=offline,
                    gifts=self.gifts(),
                    availability=self.slots(),
                    languages=self.rng.choice(LANGUAGES),
                    accessibility_needs=self.rng.choice(ACCESSIBILITY),
                    privacy=(
                        {"phone": Visibility.MEMBERS, "email": Visibility.MEMBERS}
                        if i % 5 == 0
                        else {"email": Visibility.PUBLIC}
                        if i % 11 == 0
                        else {}
                    ),
                    years_ago=round(self.rng.uniform(0.5, 6), 1),
                )
            )
        return personas

    def build_founding_members(self) -> None:
        """Members who joined before the platform: added from the paper register."""
        self.personas = self.generated_personas(58)
        self.founding: list[Person] = []
        for p in self.personas[:44]:
            person = self.person(p)
            m = memberships_services.membership_add(
                actor=self.coordinator, community=self.riverside, person=person
            )
            self.backdate_membership(m, p.years_ago)
            # Offline members' profiles are entered by a coordinator on their behalf.
            self.profile(self.coordinator if p.is_offline else person, person, p)
            self.founding.append(person)

    def build_recent_members(self) -> None:
        """Members who joined through the platform: application, interview, reference, ID check,
        approval."""
        coordinators = [
            self.coordinator,
            *Person.objects.filter(
                email__in=["coordinator2@riverside.example", "coordinator3@riverside.example"]
            ).order_by("email"),
        ]
        self.recent: list[Person] = []
        for i, p in enumerate(self.personas[44:]):
            coord = coordinators[i % len(coordinators)]
            application = applications_services.application_submit(
                actor=coord if p.is_offline else None,
                community=self.riverside,
                full_name=p.full_name,
                email=p.email or "",
                phone=p.phone,
                neighbourhood=p.neighbourhood,
                contact_preference=ContactChannel.PHONE if p.is_offline else ContactChannel.EMAIL,
                about=f"I'd like to help with {p.gifts[0][1].lower()}.",
            )
            notes_services.application_note_add(
                actor=coord,
                application=application,
                interview=True,
                text="Met at the Old Town drop-in. Friendly, keen to start with "
                f"{p.gifts[0][1].lower()}.",
            )
            _, token = references_services.reference_request(
                actor=coord,
                application=application,
                referee_name=f"{self.rng.choice(FIRST_NAMES)} Referee",
                referee_email=f"referee{i}@example.org",
                relationship="Neighbour",
            )
            references_services.reference_answer(
                token=token,
                outcome=ReferenceOutcome.SUPPORTS,
                answer="I have known them for years; reliable and kind.",
            )
            self.check(
                application.person,
                CheckKind.ID_SEEN,
                checked_days_ago=30 + i,
                valid_days=None,
                actor=coord,
                note="Passport seen at the drop-in.",
            )
            membership = applications_services.application_approve(
                actor=coord, application=application, reason="Interview and reference both good."
            )
            # Approved over the past months (the ID check was a month or so before): the newest few
            # have had no exchange yet, so the coordinators' "Needs a person" list shows them.
            self.backdate_membership(membership, (20 + 11 * i) / 365)
            person = membership.person
            profiles_services.person_details_update(
                actor=coord if p.is_offline else person,
                person=person,
                known_as=p.known_as,
                address=p.address,
                date_of_birth=p.date_of_birth,
            )
            self.profile(coord if p.is_offline else person, person, p)
            self.recent.append(person)

    def build_pending_applications(self) -> None:
        c1 = self.coordinator
        c2 = Person.objects.get(email="coordinator2@riverside.example")
        r = self.riverside

        kemi = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Kemi Adebayo",
            email="kemi.adebayo@example.org",
            neighbourhood="Millbrook",
            about="New to the area with two small children. I can cook and I'd love "
            "to read to children at the library.",
        )
        self.backdate_application(kemi, 2)

        stan = applications_services.application_submit(
            actor=c2,
            community=r,
            full_name="Stan Kowalski",
            phone=self.phone(),
            neighbourhood="Docks",
            contact_preference=ContactChannel.PHONE,
            about="Rang the office. Retired joiner; happy to do small repairs. Lives alone since "
            "his wife died.",
        )
        self.backdate_application(stan, 5)

        ruth = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Ruth Fairweather",
            email="ruth.fairweather@example.org",
            phone=self.phone(),
            neighbourhood="St Anne's",
            about="Retired teacher. Reading, maths help, company.",
        )
        notes_services.application_note_add(
            actor=c1,
            application=ruth,
            interview=True,
            text="Interviewed at home. Would like to help children with reading and visit people "
            "living alone. Needs a DBS check before home visits; she has agreed. Asked her for a "
            "referee's details.",
        )
        self.backdate_application(ruth, 9)

        javed = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Javed Akhtar",
            email="javed.akhtar@example.org",
            neighbourhood="Millbrook",
            about="I drive and can give lifts to appointments. Urdu and Punjabi speaker.",
        )
        notes_services.application_note_add(
            actor=c2,
            application=javed,
            interview=True,
            text="Phone interview. Offers lifts to hospital appointments; has a clean licence and "
            "business insurance.",
        )
        references_services.reference_request(
            actor=c2,
            application=javed,
            referee_name="Imam Yusuf Ali",
            referee_email="yusuf.ali@example.org",
            relationship="Knows him from the mosque",
        )
        self.backdate_application(javed, 12)

        leanne = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Leanne Price",
            email="leanne.price@example.org",
            phone=self.phone(),
            neighbourhood="Old Town",
            about="Dog walker and keen gardener; I'm around most afternoons.",
        )
        notes_services.application_note_add(
            actor=c1,
            application=leanne,
            interview=True,
            text="Met at the drop-in. Great with dogs; would walk dogs for people in hospital. "
            "Ready to approve.",
        )
        _, token = references_services.reference_request(
            actor=c1,
            application=leanne,
            referee_name="Sam Okoro",
            referee_email="sam.okoro@example.org",
            relationship="Former employer",
        )
        references_services.reference_answer(
            token=token,
            outcome=ReferenceOutcome.SUPPORTS,
            answer="Leanne worked for me for four years: reliable, honest and good with people.",
        )
        self.check(
            leanne.person,
            CheckKind.ID_SEEN,
            checked_days_ago=3,
            valid_days=None,
            note="Driving licence seen.",
        )
        self.backdate_application(leanne, 16)

        colin = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Colin Marsh",
            email="colin.marsh@example.org",
            neighbourhood="Docks",
            about="Handyman. Can do most jobs around the house.",
        )
        notes_services.application_note_add(
            actor=c2,
            application=colin,
            interview=True,
            text="Short interview; wants paid work more than exchanges. Talk again.",
        )
        _, token = references_services.reference_request(
            actor=c2,
            application=colin,
            referee_name="Pat Doyle",
            referee_email="pat.doyle@example.org",
            relationship="Landlord",
        )
        references_services.reference_answer(
            token=token,
            outcome=ReferenceOutcome.CONCERNS,
            answer="He is pleasant but did not finish jobs he started for me.",
        )
        self.backdate_application(colin, 20)

        sofia = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Sofia Rossi",
            email="sofia.rossi@example.org",
            phone=self.phone(),
            neighbourhood="St Anne's",
            about="Nurse, recently retired. Happy to visit people at home for company.",
        )
        notes_services.application_note_add(
            actor=c1,
            application=sofia,
            interview=True,
            text="Wants to do home visits: needs an enhanced DBS check. Applied online.",
        )
        _, token = references_services.reference_request(
            actor=c1,
            application=sofia,
            referee_name="Dr Helen Carter",
            referee_email="helen.carter@example.org",
            relationship="Former colleague",
        )
        references_services.reference_answer(
            token=token,
            outcome=ReferenceOutcome.SUPPORTS,
            answer="Sofia was a caring and careful nurse for twenty years.",
        )
        self.check(sofia.person, CheckKind.ID_SEEN, checked_days_ago=6, valid_days=None)
        self.check(
            sofia.person,
            CheckKind.BACKGROUND,
            checked_days_ago=6,
            valid_days=None,
            result=CheckResult.PENDING,
            note="Enhanced DBS applied for; waiting for the certificate.",
        )
        self.backdate_application(sofia, 25)

        gary = applications_services.application_submit(
            actor=None,
            community=r,
            full_name="Gary Stone",
            email="gary.stone@example.org",
            neighbourhood="",
            about="I live in the next town but would like to join.",
        )
        applications_services.application_decline(
            actor=c1,
            application=gary,
            reason="Lives outside the area; put him in touch with the time bank in his town.",
        )

    def build_checks(self) -> None:
        """DBS checks and training for the members who visit people at home: a few due soon, one
        lapsed."""
        visitors = self.founding[:12]
        for i, person in enumerate(visitors):
            self.check(person, CheckKind.ID_SEEN, checked_days_ago=400 + i * 20, valid_days=None)
            if i >= 4:
                self.check(
                    person,
                    CheckKind.BACKGROUND,
                    checked_days_ago=200 + i * 30,
                    valid_days=3 * 365,
                    reference=f"DBS-00{1000 + i}",
                )
        # Due within 30 days: the coordinator's dashboard should show these.
        self.check(
            visitors[0],
            CheckKind.BACKGROUND,
            checked_days_ago=3 * 365 - 9,
            valid_days=3 * 365,
            reference="DBS-000871",
        )
        self.check(
            visitors[1],
            CheckKind.SAFEGUARDING,
            checked_days_ago=2 * 365 - 21,
            valid_days=2 * 365,
            note="Council safeguarding course",
        )
        self.check(
            visitors[2],
            CheckKind.BACKGROUND,
            checked_days_ago=3 * 365 - 28,
            valid_days=3 * 365,
            reference="DBS-000902",
        )
        self.check(
            self.member,
            CheckKind.SAFEGUARDING,
            checked_days_ago=365 - 14,
            valid_days=365,
            note="Online safeguarding module",
        )
        # Already lapsed: home visits stop until it is renewed.
        self.check(
            visitors[3],
            CheckKind.BACKGROUND,
            checked_days_ago=3 * 365 + 12,
            valid_days=3 * 365,
            reference="DBS-000655",
        )
        self.check(self.member, CheckKind.ID_SEEN, checked_days_ago=700, valid_days=None)
        self.check(
            self.coordinator,
            CheckKind.BACKGROUND,
            checked_days_ago=100,
            valid_days=3 * 365,
            reference="DBS-001200",
        )
        # The founding rules ask for an ID check before one-to-one help (`vetting_one_to_one`), and
        # the year of exchanges the demo records is such help: everyone else's ID was seen when they
        # joined (the paper register says so; the recent members' were recorded before their
        # approval).
        checked = set(
            Check.objects.filter(community=self.riverside, kind=CheckKind.ID_SEEN).values_list(
                "person_id", flat=True
            )
        )
        for membership in (
            Membership.objects.filter(community=self.riverside)
            .select_related("person")
            .order_by("number")
        ):
            if membership.person_id not in checked:
                self.check(
                    membership.person,
                    CheckKind.ID_SEEN,
                    valid_days=None,
                    checked_days_ago=max(0, (self.now - membership.joined_at).days),
                    note="ID seen when they joined.",
                )

    def build_neighbourhoods(self) -> None:
        for name in NEIGHBOURHOODS:
            lat, lng = NEIGHBOURHOOD_CENTRES[name]
            neighbourhoods_services.neighbourhood_add(
                actor=self.coordinator, community=self.riverside, name=name, lat=lat, lng=lng
            )

    def build_hillside(self) -> None:
        op = self.operator
        hillside = communities_services.community_create(
            actor=op,
            name="Hillside",
            slug="hillside",
            member_prefix="HIL",
            area_description="The estate and terraces up the hill from the river, around Hillside "
            "Road.",
        )
        hal = self.person(
            Persona(
                "Hal Jenkins",
                "Hal",
                email="hal.jenkins@hillside.example",
                phone=self.phone(),
                neighbourhood="Hillside",
            )
        )
        memberships_services.membership_add(
            actor=op, community=hillside, person=hal, roles=[Role.COORDINATOR]
        )
        communities_services.rulebook_change(
            actor=hal,
            community=hillside,
            changes={"references_required": 0},
            reason="A small group where everyone knows each other: the first meeting agreed an "
            "interview is enough.",
        )
        hillside_people: list[tuple[str, list[tuple[str, str]]]] = [
            (
                "Iris Thornton",
                [(GiftKind.HANDS, "Cooking batch meals"), (GiftKind.HEART, "A listening ear")],
            ),
            (
                "Kofi Boateng",
                [(GiftKind.HANDS, "Bike repairs"), (GiftKind.TEACH, "Bike maintenance")],
            ),
            ("Nell Rowe", [(GiftKind.HEAD, "Reading letters aloud and explaining them")]),
            ("Samir Haddad", [(GiftKind.TEACH, "English conversation for newcomers")]),
        ]
        for name, gifts in hillside_people:
            p = Persona(
                name,
                email=f"{name.split()[0].lower()}@hillside.example",
                neighbourhood="Hillside",
                gifts=gifts,
                availability=self.slots(2, 5),
            )
            person = self.person(p)
            memberships_services.membership_add(actor=hal, community=hillside, person=person)
            self.profile(person, person, p)
            self.check(
                person,
                CheckKind.ID_SEEN,
                checked_days_ago=300,
                valid_days=None,
                community=hillside,
                actor=hal,
            )
        # Maya from Riverside joins Hillside too: one login, two communities.
        application = applications_services.application_submit(
            actor=self.member,
            community=hillside,
            full_name=self.member.full_name,
            email=self.member.email or "",
            about="I help at Riverside and my sister lives on Hillside Road; happy to help up the "
            "hill too.",
        )
        notes_services.application_note_add(
            actor=hal,
            application=application,
            interview=True,
            text="Already a Riverside member; Bernie vouches for her.",
        )
        # Not yet ID-checked in Hillside (checks do not carry across communities): Hillside's pages
        # show her what the check is for and whom to ask.
        applications_services.application_approve(
            actor=hal, application=application, reason="Known to Riverside."
        )


def demo_summary() -> dict[str, int]:
    """Counts the `demo` command prints after building."""
    return {
        "riverside_members": Membership.objects.filter(community__slug="riverside").count(),
        "hillside_members": Membership.objects.filter(community__slug="hillside").count(),
        "pending_applications": Application.objects.filter(
            community__slug="riverside", status="pending"
        ).count(),
    }
