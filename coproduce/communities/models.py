from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.timezone import now as _now

from .selectors.member_refs import member_code


def catalogue_stamp_new() -> str:
    return secrets.token_hex(8)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example Europe/London).")


class Visibility(models.TextChoices):
    COORDINATORS = "coordinators", "Coordinators only"
    MEMBERS = "members", "Members of my communities"
    PUBLIC = "public", "Anyone"


class ContactChannel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    POST = "post", "Post"
    COORDINATOR = "coordinator", "Through the coordinator"


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    COORDINATOR = "coordinator", "Coordinator"
    AGENCY_STAFF = "agency_staff", "Agency staff"
    GROUP_LEAD = "group_lead", "Group lead"
    SUPPORTER = "supporter", "Supporter"
    PARTNER = "partner", "Spend partner"
    STEWARD = "steward", "Steward"
    MEDIATOR = "mediator", "Mediator"


class Community(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    member_prefix = models.CharField(
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,5}$", "Use 2 to 5 capital letters.")],
        help_text="Letters before member numbers, e.g. RIV in RIV-0042.",
    )
    area_description = models.TextField(blank=True)
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en-gb")
    is_listed = models.BooleanField(
        default=True, help_text="Shown on the public list of communities."
    )
    last_member_number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    # Renewed (at random, never reused) whenever the community's categories or neighbourhoods
    # change: the key under which their lists, and the pages' fragments drawn from them, are
    # kept in each process's memory (exchanges.selectors.listings.categories_kept). Read with
    # the community on every request, so every process sees a change at its next request.
    catalogue_stamp = models.CharField(max_length=16, default=catalogue_stamp_new, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def catalogue_changed(community_id: int | None, community: Community | None = None) -> None:
        """Renew the catalogue stamp of one community (and of the `community` object given,
        when it is loaded), or of every community (None: the default taxonomy they share).
        Called by Category and Neighbourhood on every save and delete; bulk writes call it."""
        stamp = catalogue_stamp_new()
        rows = Community.objects.all()
        if community_id is not None:
            rows = rows.filter(pk=community_id)
        rows.update(catalogue_stamp=stamp)
        if community is not None:
            community.catalogue_stamp = stamp


class Neighbourhood(models.Model):
    """A named part of a community's area with a rough centre, so members can search "near the
    Docks" without giving a point of their own."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="neighbourhoods"
    )
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    lat = models.FloatField()
    lng = models.FloatField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="neighbourhood_slug_unique"),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="neighbourhood_point_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Community.catalogue_changed(self.community_id, self._community_loaded())

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        Community.catalogue_changed(self.community_id, self._community_loaded())
        return deleted

    def _community_loaded(self) -> Community | None:
        return self.community if Neighbourhood.community.is_cached(self) else None


class RulebookVersion(models.Model):
    """A full set of rule values. Never edited: a change is a new version with who and why."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="rulebook_versions"
    )
    number = models.PositiveIntegerField()
    values = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    source = models.CharField(
        max_length=30, default="coordinator"
    )  # founding | coordinator | decision
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["community_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="rulebook_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.community} rulebook v{self.number}"


class PersonManager(BaseUserManager["Person"]):
    def create_user(self, email=None, password=None, **extra):
        email = self.normalize_email(email) if email else None
        person = self.model(email=email, **extra)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save()
        return person

    def create_superuser(self, email, password, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_operator", True)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """A login and the person behind it. Email is optional: many members are phone-only and
    sign in with a username or their member number."""

    email = models.EmailField(unique=True, null=True, blank=True)
    username = models.CharField(
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        validators=[
            RegexValidator(
                r"^[a-zA-Z0-9_.-]+$", "Letters, digits, dots, dashes and underscores only."
            )
        ],
    )
    full_name = models.CharField(max_length=150)
    known_as = models.CharField(max_length=60, blank=True, help_text="The name other members see.")
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    neighbourhood = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    photo = models.ImageField(upload_to="photos/", blank=True)

    email_visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.COORDINATORS
    )
    phone_visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.COORDINATORS
    )
    address_visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.COORDINATORS
    )
    photo_visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    date_of_birth_visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.COORDINATORS
    )

    # Gift profile (capacity inventory) beside the gifts themselves.
    availability = models.JSONField(default=list, blank=True)  # ["mon-am", "tue-pm", ...]
    languages = models.CharField(max_length=200, blank=True)
    accessibility_needs = models.TextField(blank=True)
    contact_preferences = models.JSONField(default=list, blank=True)  # ContactChannel values
    is_offline = models.BooleanField(
        default=False, help_text="Does not use the website; a coordinator acts on their behalf."
    )

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    is_operator = models.BooleanField(default=False, help_text="Runs the whole install.")
    mfa_exempt = models.BooleanField(
        default=False,
        help_text="Demo accounts only: may act as coordinator without two-factor sign-in.",
    )
    date_joined = models.DateTimeField(default=now)
    pseudonymised_at = models.DateTimeField(null=True, blank=True)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.known_as or self.full_name or f"Person {self.pk}"

    def get_username(self) -> str:
        return self.email or self.username or str(self.pk)

    def natural_key(self):
        return (self.get_username(),)


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ARCHIVED = "archived", "Left"


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    joined_at = models.DateTimeField(default=now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "number"], name="membership_number_unique"
            ),
            models.UniqueConstraint(
                fields=["community", "person"], name="membership_person_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_code} {self.person}"

    @property
    def member_code(self) -> str:
        return member_code(self.community, self.number)

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class MembershipRole(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="membership_role_unique")
        ]

    def __str__(self) -> str:
        return self.role


class GiftKind(models.TextChoices):
    HEAD = "head", "Head (knowledge, skills)"
    HANDS = "hands", "Hands (practical help)"
    HEART = "heart", "Heart (what I care about)"
    TEACH = "teach", "Willing to teach"


class Gift(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="gifts")
    kind = models.CharField(max_length=10, choices=GiftKind.choices)
    description = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.description}"


class SensitiveField(models.TextChoices):
    HEALTH = "health", "Health"
    ETHNICITY = "ethnicity", "Ethnicity"
    INCOME = "income", "Household income"


class Consent(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    topic = models.CharField(max_length=20, choices=SensitiveField.choices)
    wording = models.TextField()
    given_at = models.DateTimeField(default=now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} consent of person {self.person_id}"


class SensitiveDatum(models.Model):
    """Stored only while a consent for its topic stands; withdrawing the consent deletes it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sensitive_data")
    field = models.CharField(max_length=20, choices=SensitiveField.choices)
    value = models.TextField()
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="data")
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "field"], name="sensitive_field_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} of person {self.person_id}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class Application(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    full_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    neighbourhood = models.CharField(max_length=80, blank=True)
    address = models.TextField(
        blank=True, help_text="Needed when the applicant asks to be contacted by post."
    )
    contact_preference = models.CharField(
        max_length=20, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    about = models.TextField(
        blank=True, help_text="What the applicant told us about themselves and their gifts."
    )
    interviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "person"],
                condition=Q(status="pending"),
                name="one_pending_application",
            )
        ]

    def __str__(self) -> str:
        return f"Application {self.pk} from {self.full_name}"


class UnconfirmedApplication(models.Model):
    """An application made without signing in, with an email address, held until the applicant
    follows the single-use link emailed to them: the form is then no way to send mail to
    strangers. Coordinators never see these; confirming one makes the Application (and sends the
    full acknowledgement), and a periodic job deletes them once they expire."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    # A signed-in applicant who gave another email address than their own.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    full_name = models.CharField(max_length=150)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    neighbourhood = models.CharField(max_length=80, blank=True)
    address = models.TextField(blank=True)
    contact_preference = models.CharField(
        max_length=20, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    about = models.TextField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField(db_index=True)
    application = models.ForeignKey(
        "Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Set when confirmed; the link then says so instead of confirming twice.",
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Unconfirmed application {self.pk}"


class CoordinatorNote(models.Model):
    """Seen by coordinators only: interview notes and other notes about a person."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", "Interview"
        GENERAL = "general", "Note"

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="coordinator_notes")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="notes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} about person {self.person_id}"


class ReferenceStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the referee"
    ANSWERED = "answered", "Answered"
    CANCELLED = "cancelled", "Cancelled"


class ReferenceOutcome(models.TextChoices):
    SUPPORTS = "supports", "Supports the application"
    CONCERNS = "concerns", "Has concerns"


class Reference(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="references"
    )
    referee_name = models.CharField(max_length=150)
    referee_email = models.EmailField()
    relationship = models.CharField(max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=20, choices=ReferenceStatus.choices, default=ReferenceStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=ReferenceOutcome.choices, blank=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"Reference from {self.referee_name}"

    def is_expired(self, now=None) -> bool:
        return self.status == ReferenceStatus.REQUESTED and (now or _now()) >= self.expires_at


class CheckKind(models.TextChoices):
    ID_SEEN = "id_seen", "Identity document seen"
    BACKGROUND = "background_check", "Background check (DBS)"
    SAFEGUARDING = "safeguarding_training", "Safeguarding training"


class CheckResult(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Not passed"
    PENDING = "pending", "Waiting for the result"


class Check(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="checks")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(max_length=30, choices=CheckKind.choices)
    result = models.CharField(max_length=20, choices=CheckResult.choices)
    checked_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    reference_number = models.CharField(max_length=60, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["community", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_result_display()}"


class ContactRelay(models.Model):
    """A message from one member to another, passed on without showing either's details.
    When the recipient has no email it waits for a coordinator to pass it on by phone or post."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    via = models.CharField(max_length=20)  # email | coordinator
    created_at = models.DateTimeField(default=now)
    passed_on_at = models.DateTimeField(null=True, blank=True)
    passed_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Message {self.pk} to person {self.recipient_id}"


class AccessToken(models.Model):
    """A personal access token for the API. Only a hash is stored; the token is shown once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_tokens")
    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="When set, the token works only for this community.",
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SignInTokenKind(models.TextChoices):
    LINK = "link", "Link sent by email"
    CODE = "code", "Code on a sign-in letter"


class SignInToken(models.Model):
    """A one-time way in for someone without a password (a new member, a new community's first
    coordinator, a member who signs in with their member number and has forgotten it): a link of
    their own sent by email, or a short code printed on a letter. Only a hash is stored; it works
    once, until it expires, and a newer one of the same kind replaces it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sign_in_tokens")
    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The community whose name the link or letter carries.",
    )
    kind = models.CharField(max_length=10, choices=SignInTokenKind.choices)
    purpose = models.CharField(
        max_length=20
    )  # welcome | letter | ...: what it was made for, for the history
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for person {self.person_id}"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()
