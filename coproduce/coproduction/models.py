"""Co-production with public services: agencies and their staff, the roles people take on
alongside staff, sessions with sign-up and a waiting list, the attendance register that credits
hours on the ledger, referrals in from professionals, spend partners and redemptions, and the NEF
co-production self-assessment.

Hours are integer minutes; credits move only through the ledger's services (this app stores the
transfer's id beside the register or the redemption)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now


class AgencyKind(models.TextChoices):
    GP_PRACTICE = "gp_practice", "GP practice or health centre"
    SCHOOL = "school", "School"
    COUNCIL = "council", "Council service"
    CARE_HOME = "care_home", "Care home"
    LIBRARY = "library", "Library"
    CHARITY = "charity", "Charity"
    BUSINESS = "business", "Business"
    OTHER = "other", "Other"


class Agency(models.Model):
    """An organisation in a community that delivers a public service and works with members."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    description = models.TextField(max_length=4000, blank=True)
    place = models.CharField(max_length=200, blank=True)  # a public address or "Riverside Library"
    website = models.URLField(blank=True)
    # The agency's own hours account (kind organisation), opened by the services.
    account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="agency_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class AgencyRole(models.TextChoices):
    ADMIN = "admin", "Agency admin"
    STAFF = "staff", "Staff"


class AgencyMembership(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="staff")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=AgencyRole.choices, default=AgencyRole.STAFF)
    job_title = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "person"],
                condition=Q(ended_at__isnull=True),
                name="agency_membership_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.agency_id} ({self.role})"


class RoleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class CoproductionRole(models.Model):
    """What a person will do alongside staff: published to members, searchable like listings."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="roles")
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=4000)  # what you will do alongside staff
    commitment = models.CharField(max_length=200)  # "2 hours a week for 3 months"
    vetting_level = models.PositiveSmallIntegerField(default=0)  # communities.rules.VETTING_LEVELS
    training = models.JSONField(default=list, blank=True)  # names of training to have completed
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    remote_ok = models.BooleanField(default=False)
    staff_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RoleStatus.choices, default=RoleStatus.DRAFT)
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["community", "status", "title"], name="coproduction_role_list")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="role_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(models.Model):
    """A member has completed a named training (recorded by agency staff or a coordinator)."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    completed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "person", "name"], name="training_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.person_id})"


class SessionSeries(models.Model):
    """A recurring session: an RFC 5545 RRULE from a first start; its sessions are materialised
    as Session rows (so each has its own sign-ups and register)."""

    role = models.ForeignKey(CoproductionRole, on_delete=models.PROTECT, related_name="series")
    rrule = models.CharField(max_length=300)  # e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=12
    first_start = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    place = models.CharField(max_length=200)
    capacity = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Series {self.pk} of {self.role_id}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    REGISTERED = "registered", "Register confirmed"


class Session(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sessions")
    role = models.ForeignKey(CoproductionRole, on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    place = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    places_taken = models.PositiveIntegerField(default=0)  # booked sign-ups, kept under a row lock
    staff_present = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(
        max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    register_confirmed_at = models.DateTimeField(null=True, blank=True)
    register_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer = models.ForeignKey(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="session_upcoming"),
            models.Index(fields=["agency", "starts_at"], name="session_agency"),
            models.Index(fields=["role", "starts_at"], name="session_role"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("capacity")), name="session_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} of {self.role_id}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.places_taken)


class SignUpStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITING = "waiting", "On the waiting list"
    CANCELLED = "cancelled", "Cancelled"


class SignUp(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SignUpStatus.choices)
    created_at = models.DateTimeField(default=now)  # the waiting list is first come, first served
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], condition=~Q(status="cancelled"), name="signup_once"
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="signup_person")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status} for {self.session_id}"


class AttendanceRole(models.TextChoices):
    CITIZEN = "citizen", "Member"
    STAFF = "staff", "Staff"


class Attendance(models.Model):
    """A line of the register: who was there, for how long; staff and citizens both, so each
    session records who co-delivered it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        max_length=10, choices=AttendanceRole.choices, default=AttendanceRole.CITIZEN
    )
    attended = models.BooleanField()
    minutes = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.session_id}"


class ReferralTarget(models.TextChoices):
    COMMUNITY = "community", "The time bank"
    ROLE = "role", "A co-production role"
    GROUP = "group", "A community group"


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    CONTACTED = "contacted", "Contacted"
    JOINED = "joined", "Joined"
    FIRST_EXCHANGE = "first_exchange", "First exchange"
    DECLINED = "declined", "Declined"


class Referral(models.Model):
    """A professional refers a person in, with their consent. The referrer sees the outcome,
    never more of the person than the consent allows (`share_with_referrer`)."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField(max_length=10, choices=ReferralTarget.choices)
    role = models.ForeignKey(
        CoproductionRole, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group_name = models.CharField(max_length=150, blank=True)
    # Who is referred: enough for a coordinator to get in touch, nothing clinical.
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    what_matters = models.TextField(max_length=2000, blank=True)  # in the person's words
    consent_given = models.BooleanField()
    consent_note = models.CharField(max_length=300)  # how and when consent was given
    share_with_referrer = models.CharField(max_length=10, default="status")  # "status" | "name"
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # once they join
    status = models.CharField(
        max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    status_changed_at = models.DateTimeField(default=now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coordinator_note = models.TextField(blank=True)  # never shown to the referrer
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="referral_queue"),
            models.Index(fields=["agency", "-created_at"], name="referral_agency"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(consent_given=True), name="referral_needs_consent")
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk}"


class ReferralEvent(models.Model):
    """Each change of a referral's outcome, for the referrer's timeline and the dashboard."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} for referral {self.referral_id}"


class SpendPartner(models.Model):
    """A venue where credits buy something ("1 hour = one swim")."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80)
    description = models.TextField(max_length=2000, blank=True)
    place = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="partner_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerOffer(models.Model):
    """What credits buy at a partner, and its restrictions."""

    partner = models.ForeignKey(SpendPartner, on_delete=models.CASCADE, related_name="offers")
    title = models.CharField(max_length=150)  # "One swim"
    minutes = models.PositiveIntegerField()  # credits it costs, per person
    per_member_per_month = models.PositiveSmallIntegerField(null=True, blank=True)
    # Times of day it can be used, as AVAILABILITY_SLOTS codes (empty: any time open).
    times = models.JSONField(default=list, blank=True)
    max_adults = models.PositiveSmallIntegerField(default=1)
    max_children = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["partner", "minutes", "id"]

    def __str__(self) -> str:
        return self.title


class Redemption(models.Model):
    partner = models.ForeignKey(SpendPartner, on_delete=models.PROTECT, related_name="redemptions")
    offer = models.ForeignKey(PartnerOffer, on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    adults = models.PositiveSmallIntegerField(default=1)
    children = models.PositiveSmallIntegerField(default=0)
    minutes = models.PositiveIntegerField()
    transfer = models.ForeignKey("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    receipt_number = models.CharField(max_length=30, unique=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="redemption_partner"),
            models.Index(fields=["person", "offer", "created_at"], name="redemption_member_month"),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.receipt_number}"


class Principle(models.TextChoices):
    """The New Economics Foundation's six principles of co-production."""

    ASSETS = "assets", "Recognising people as assets"
    CAPACITY = "capacity", "Building on people's existing capabilities"
    MUTUALITY = "mutuality", "Mutuality and reciprocity"
    PEER_NETWORKS = "peer_networks", "Peer support networks"
    BLURRING_ROLES = "blurring_roles", "Blurring distinctions between professionals and recipients"
    CATALYSTS = "catalysts", "Facilitating rather than delivering"


class AssessmentLevel(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    SERVICE = "service", "Service"
    ORGANISATION = "organisation", "Organisation"


class Assessment(models.Model):
    """One sitting of the co-production self-assessment by an agency; repeated over time."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessments")
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_on = models.DateField()
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return f"Assessment {self.pk} of {self.agency_id}"


class AssessmentScore(models.Model):
    """A score 0-4 (not yet, starting, developing, established, leading) for one principle at
    one level."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    principle = models.CharField(max_length=20, choices=Principle.choices)
    level = models.CharField(max_length=20, choices=AssessmentLevel.choices)
    score = models.PositiveSmallIntegerField()
    evidence = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["assessment", "principle", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "principle", "level"], name="assessment_score_once"
            ),
            models.CheckConstraint(condition=Q(score__lte=4), name="assessment_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.principle}/{self.level}: {self.score}"
