"""Exchanges: an arranged piece of help, recorded by either side, confirmed by the other (or
automatically after the community's delay), and only then posted to the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from coproduce.communities.services import catalogue as catalogue_services


class ExchangeStatus(models.TextChoices):
    ARRANGED = "arranged", "Arranged"
    RECORDED = "recorded", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    DISPUTED = "disputed", "Disputed"
    CANCELLED = "cancelled", "Cancelled"


class ExchangeShape(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "One person helped another"
    ONE_TO_MANY = "one_to_many", "One person helped a group"
    MANY_TO_ONE = "many_to_one", "Several people helped one person"


class EntryMethod(models.TextChoices):
    MEMBER = "member", "Recorded by a member"
    BROKERED = "brokered", "Brokered by a coordinator"
    PAPER_SLIP = "paper_slip", "Paper slip entered by a coordinator"


class Exchange(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    shape = models.CharField(
        max_length=20, choices=ExchangeShape.choices, default=ExchangeShape.ONE_TO_ONE
    )
    status = models.CharField(
        max_length=20, choices=ExchangeStatus.choices, default=ExchangeStatus.ARRANGED
    )
    method = models.CharField(
        max_length=20, choices=EntryMethod.choices, default=EntryMethod.MEMBER
    )
    title = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True)
    # What it came from (a listing, once listings exist).
    listing_id = models.BigIntegerField(null=True, blank=True)
    # Minutes each provider gave. A group's recipients share the cost by the community's rule.
    minutes = models.PositiveIntegerField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    payer = models.CharField(max_length=10, default="recipients")  # recipients | fund
    slip_number = models.CharField(max_length=40, blank=True)
    arranged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The participant the record was made for (themselves, or the member a "
        "coordinator acted for).",
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    auto_confirm_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    transfer = models.OneToOneField(
        "ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="exchange"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "slip_number"],
                condition=~Q(slip_number=""),
                name="exchange_slip_unique",
            )
        ]
        indexes = [models.Index(fields=["status", "auto_confirm_at"])]

    def __str__(self) -> str:
        return f"Exchange {self.pk} ({self.status})"


class ParticipantRole(models.TextChoices):
    PROVIDER = "provider", "Gave help"
    RECIPIENT = "recipient", "Received help"


class Participant(models.Model):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "person"], name="exchange_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.person_id}"


class Expense(models.Model):
    """Materials or expenses noted beside the hours (bus fare, seeds). Never converted to hours."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="expenses")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    note = models.CharField(max_length=200)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}: {self.note}"


# Listings ------------------------------------------------------------------------------------


class CategoryGroup(models.TextChoices):
    HOME = "home", "Home"
    GARDEN = "garden", "Garden"
    TRANSPORT = "transport", "Transport"
    LEARNING = "learning", "Learning"
    CARE = "care", "Care and company"
    HEALTH = "health", "Health and wellbeing"
    DIGITAL = "digital", "Digital"
    CREATIVE = "creative", "Creative"
    ADMIN = "admin", "Admin and money"
    COMMUNITY = "community", "Community"


class Category(models.Model):
    """A kind of help. Without a community it belongs to the default taxonomy every community
    shares; with one, it is that community's own addition."""

    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(max_length=20, choices=CategoryGroup.choices)
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["group", "name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(community=None), name="category_default_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["community", "slug"], name="category_community_slug_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        catalogue_services.catalogue_row_changed(self)  # a default one renews every stamp

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        catalogue_services.catalogue_row_changed(self)
        return deleted


class ListingKind(models.TextChoices):
    OFFER = "offer", "Offer"
    REQUEST = "request", "Request"


class ListingMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    REMOTE = "remote", "Remote (phone or online)"
    AT_HOME = "at_home", "At the member's home"


class ListingVisibility(models.TextChoices):
    COMMUNITY = "community", "This community"
    ALLIED = "allied", "Allied communities too"
    PUBLIC = "public", "Everyone"


class ListingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    EXPIRED = "expired", "Expired"


class Listing(models.Model):
    """An offer of help or a request for it. The map point is rounded to about 100 m when
    stored, so an exact address never reaches the database."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ListingKind.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=4000, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    tags = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField()
    availability = models.JSONField(default=list, blank=True)  # slot codes, as on the gift profile
    # The same slots as bits (AVAILABILITY_SLOTS order), so "free at any of these times" is one
    # bitwise AND in SQL on both databases (SQLite has no JSON containment lookup).
    availability_mask = models.PositiveIntegerField(default=0)
    neighbourhood = models.CharField(max_length=80, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    mode = models.CharField(
        max_length=10, choices=ListingMode.choices, default=ListingMode.IN_PERSON
    )
    is_group = models.BooleanField(default=False)
    visibility = models.CharField(
        max_length=10, choices=ListingVisibility.choices, default=ListingVisibility.COMMUNITY
    )
    status = models.CharField(
        max_length=10, choices=ListingStatus.choices, default=ListingStatus.ACTIVE
    )
    # Title, description, tags and category name in one text, written by the services: what
    # PostgreSQL's full-text and trigram indexes cover (SQLite's FTS5 table holds the same text).
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the owner was told the listing is about to lapse (cleared when it is renewed).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="listing_point_in_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["community", "status", "-created_at", "-id"], name="listing_newest"
            ),
            models.Index(fields=["community", "status", "lat", "lng"], name="listing_box"),
            models.Index(fields=["status", "expires_at"], name="listing_expiry"),
            models.Index(fields=["owner", "status"], name="listing_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


MAX_LISTING_IMAGES = 3


class ListingImage(models.Model):
    """A picture on a listing, re-encoded by the services (resized, metadata stripped) before it
    is stored. Kept in the database rather than on disk so a backup of the database is a backup of
    everything, and so pictures are served only to those who may see the listing."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    thumbnail = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["listing", "position", "id"]
        indexes = [models.Index(fields=["listing", "position"], name="listing_image_order")]

    def __str__(self) -> str:
        return f"Image {self.pk} of listing {self.listing_id}"


class ListingEmbedding(models.Model):
    """A sentence embedding of a listing's text for the optional semantic matcher, computed by a
    background job and stored as little-endian float32 bytes. `text_hash` says which text it was
    computed from, so an edited listing is embedded again."""

    listing = models.OneToOneField(Listing, on_delete=models.CASCADE, related_name="embedding")
    model_name = models.CharField(max_length=80)
    dimensions = models.PositiveSmallIntegerField()
    vector = models.BinaryField()
    text_hash = models.CharField(max_length=64)
    computed_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Embedding of listing {self.listing_id}"


# References ----------------------------------------------------------------------------------


class ReferenceKind(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    CONCERN = "concern", "A concern (private, for the coordinators)"


PUBLIC_REFERENCE_KINDS = (ReferenceKind.POSITIVE, ReferenceKind.NEUTRAL)


class ExchangeReference(models.Model):
    """What one participant says about another after a confirmed exchange. Positive and neutral
    ones are seen by the community's members; a concern only by its coordinators (never by the
    person it is about)."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="references")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ReferenceKind.choices)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=now)
    # A concern stays open on the coordinators' list until one of them closes it with what was done.
    concern_closed_at = models.DateTimeField(null=True, blank=True)
    concern_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    concern_outcome = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "author", "subject"], name="exchange_reference_once"
            ),
        ]
        indexes = [models.Index(fields=["subject", "kind"], name="exchange_reference_subject")]

    def __str__(self) -> str:
        return f"{self.kind} reference {self.pk}"
