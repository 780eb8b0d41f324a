"""Conversations for the Riverside demo, built with the real services after the listings: a
member asking about an offer of computer help, a neighbour answering a request for garden help,
a message waiting for a coordinator to pass on to Dorothy (who has no email) and an older one
passed on by phone with her answer written for her, an introduction by the coordinator about a
request for a lift, and a reported message asking for money.

Built once: a second run finds the conversations there and adds nothing."""

from __future__ import annotations

from django.test.utils import override_settings
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.core.errors import ApplicationError
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.messaging.models import Conversation
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import introductions as introductions_services
from coproduce.messaging.services import pass_on as pass_on_services
from coproduce.messaging.services import reports as reports_services

COORDINATOR_EMAIL = "coordinator@riverside.example"
MEMBER_EMAIL = "member@riverside.example"
OFFLINE_NUMBER = 5  # Dorothy Evans, RIV-0005: no email, signs in with her member number


def build_conversations(slug: str = "riverside") -> bool:
    """Build the demo conversations unless the community has some. Returns True if it built them."""
    community = communities_selectors.community_get(slug)
    if Conversation.objects.filter(community=community).exists():
        return False
    members = directory_selectors.member_directory(community, limit=100_000)
    by_email = {m.person.email: m.person for m in members if m.person.email}
    coordinator = by_email.get(COORDINATOR_EMAIL)
    maya = by_email.get(MEMBER_EMAIL)
    offline = next((m.person for m in members if m.number == OFFLINE_NUMBER), None)
    if coordinator is None or maya is None or offline is None:
        return False
    # Neighbours who use the website, for the odd message; never the people above.
    others = [
        p
        for _email, p in sorted(by_email.items())
        if p.pk not in {coordinator.pk, maya.pk} and not p.is_offline
    ]
    listings = {
        listing.title: listing
        for listing in listings_selectors.offers_active(community).select_related("owner")
    }
    listings.update(
        {
            listing.title: listing
            for listing in listings_selectors.requests_without_exchange(
                community, posted_before=timezone.now()
            )
        }
    )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        _Builder(community, coordinator, maya, offline, others, listings).build()
    return True


class _Builder:
    def __init__(self, community, coordinator, maya, offline, others, listings) -> None:
        self.community = community
        self.coordinator = coordinator
        self.maya = maya
        self.offline = offline
        self.others = others
        self.listings = listings

    def safe(self, fn, **kwargs):
        try:
            return fn(**kwargs)
        except ApplicationError:
            return None  # a block or a rule refused it, as it would in life

    def start(self, sender, recipient, body, listing=None):
        if sender is None or recipient is None or sender.pk == recipient.pk:
            return None
        return self.safe(
            conversations_services.conversation_start,
            actor=sender,
            community=self.community,
            recipient=recipient,
            body=body,
            listing=listing,
        )

    def reply(self, conversation, sender, body, *, for_member: bool = False):
        if conversation is None:
            return None
        if for_member:
            return self.safe(
                conversations_services.message_send,
                actor=self.coordinator,
                conversation=conversation,
                body=body,
                on_behalf_of=sender,
            )
        return self.safe(
            conversations_services.message_send, actor=sender, conversation=conversation, body=body
        )

    def other(self, index: int, *, avoid=()):
        pool = [p for p in self.others if p.pk not in {getattr(a, "pk", None) for a in avoid}]
        return pool[index % len(pool)] if pool else None

    def build(self) -> None:
        self.computer_help()
        self.garden_answer()
        self.offline_member()
        self.introduction()
        self.reported()

    def computer_help(self) -> None:
        offer = self.listings.get("Help with laptops and email")
        if offer is None or offer.owner_id == self.maya.pk:
            return
        talk = self.start(
            self.maya,
            offer.owner,
            (
                "Hello! I saw your offer of help with laptops. My mum has a new one and wants to "
                "do video calls with her grandchildren. Could you spare an hour one weekday "
                "morning at the library?"
            ),
            listing=offer,
        )
        self.reply(
            talk,
            offer.owner,
            (
                "Hi Maya, happy to. Tuesday at 10 at the Old Town library? Ask her to bring the "
                "laptop, the charger and her email password written down somewhere safe."
            ),
        )
        self.reply(talk, self.maya, "Tuesday at 10 is perfect. Thank you so much!")

    def garden_answer(self) -> None:
        request = self.listings.get("Help to clear an overgrown back garden")
        offer = self.listings.get("Weeding and tidying small gardens")
        if request is None:
            return
        helper = (
            offer.owner
            if offer is not None and offer.owner_id != request.owner_id
            else self.other(3, avoid=[request.owner])
        )
        talk = self.start(
            helper,
            request.owner,
            (
                "I can help with your garden. I have gloves, a rake and plenty of bags. Would "
                "Saturday morning suit you? Two hours should make a real difference."
            ),
            listing=request,
        )
        self.reply(
            talk, request.owner, "That would be wonderful. Saturday at 9, side gate is open."
        )

    def offline_member(self) -> None:
        knitter = self.other(1, avoid=[self.offline])
        earlier = self.start(
            knitter,
            self.offline,
            (
                "Hello Dorothy, we are starting a knitting group at the library on Thursday "
                "afternoons. Would you like to come? Needles and wool are provided."
            ),
        )
        if earlier is not None:
            first = earlier.messages.first()
            self.safe(
                pass_on_services.message_passed_on,
                actor=self.coordinator,
                message=first,
                how="by phone, read out to her",
            )
            self.reply(
                earlier,
                self.offline,
                (
                    "Dorothy says yes please, she would love to come, and she can bring spare "
                    "needles for beginners."
                ),
                for_member=True,
            )
        # One still waiting for a coordinator to ring her.
        neighbour = self.other(5, avoid=[self.offline, knitter])
        self.start(
            neighbour,
            self.offline,
            (
                "Dear Dorothy, I'm going to the big supermarket on Friday morning and have room in "
                "the car. Would you like a lift, or shall I pick anything up for you?"
            ),
        )

    def introduction(self) -> None:
        request = self.listings.get("Lift to the eye clinic on a Tuesday")
        offer = self.listings.get("Lifts to the surgery and hospital")
        if (
            request is None
            or offer is None
            or offer.owner_id in (request.owner_id, self.coordinator.pk)
        ):
            return
        if request.owner_id == self.coordinator.pk:
            return
        self.safe(
            introductions_services.introduction_make,
            actor=self.coordinator,
            community=self.community,
            first=request.owner,
            second=offer.owner,
            listing=request,
            note=(
                f"Hello both! {request.owner.display_name} needs a lift to the eye clinic at St "
                "Anne's on a Tuesday morning and can't drive after the drops. "
                f"{offer.owner.display_name} offers lifts to hospital appointments on weekday "
                "mornings. Could you sort out a day between you? Ring me if anything is tricky. "
                "Bernie"
            ),
        )

    def reported(self) -> None:
        asker = self.other(7, avoid=[self.maya])
        talk = self.start(
            asker,
            self.maya,
            (
                "Hi, could you lend me £50 until next week? I'll pay you back, promise. Don't tell "
                "the coordinators."
            ),
        )
        if talk is None:
            return
        self.safe(
            reports_services.message_report,
            actor=self.maya,
            message=talk.messages.first(),
            reason=(
                "Asking to borrow money. I don't want to fall out, but this doesn't feel right."
            ),
        )
