"""Spend partners: venues where credits buy something ("1 hour = one swim"): every write
(partners, their offers, redemption at the door). Who works the door is in access.py; the reads
(offers, the member check, receipts, the partner's report) in selectors/partners.py.

Redemption moves the member's credits to the partner's account in one ledger transfer, then does
what the community's rule `partner_credits_go` says (keep; give them to the fund; retire them to
issuance) with a second transfer in the same database transaction, so both happen or neither.
The member's monthly allowance is counted under a lock on their account row, so two redemptions
at once cannot both take the last one."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import ngettext

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, NotFound, ValidationFailed
from coproduce.core.idempotency import idempotent
from coproduce.ledger import errors as ledger_errors
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors import amounts as amounts_selectors
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.notifications.services import notifications as notifications_services

from ..access import access_manage_offers, access_partner_desk
from ..models import Agency, PartnerOffer, Redemption, SpendPartner
from ..selectors.partners import _month_start, member_for_redemption, member_ref_parse, slot_at

MAX_PEOPLE = 20
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out at a desk
PARTNER_FIELDS = ("name", "description", "place", "agency", "is_archived")
OFFER_FIELDS = (
    "title",
    "minutes",
    "per_member_per_month",
    "times",
    "max_adults",
    "max_children",
    "is_active",
)


def _people(adults: int, children: int) -> str:
    """ "2 adults, 1 child", as a receipt says it."""
    return (
        ngettext("%(n)d adult", "%(n)d adults", adults) % {"n": adults}
        + ", "
        + ngettext("%(n)d child", "%(n)d children", children) % {"n": children}
    )


# Partners and offers -------------------------------------------------------------------------


def _partner_errors(*, name: str, description: str, place: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the partner a name."]
    elif len(name) > 150:
        errors["name"] = ["At most 150 characters."]
    if len(description) > 2000:
        errors["description"] = ["At most 2000 characters."]
    if len(place) > 200:
        errors["place"] = ["At most 200 characters."]
    return errors


def _check_agency(community, agency: Agency | None) -> None:
    if agency is not None and (agency.community_id != community.pk or agency.is_archived):
        raise ValidationFailed(
            "That agency is not in this community.", fields={"agency": ["No such agency."]}
        )


def partner_create(
    *,
    actor: Actor,
    community,
    name: str,
    description: str = "",
    place: str = "",
    agency: Agency | None = None,
) -> SpendPartner:
    """A new spend partner with its own hours account. Coordinators only.
    Raises PermissionDenied, NotFound (outsider), ValidationFailed."""
    community_access.access_coordinate(actor, community)
    errors = _partner_errors(name=name, description=description, place=place)
    if errors:
        raise ValidationFailed("Please correct the partner's details.", fields=errors)
    _check_agency(community, agency)
    name = name.strip()
    with transaction.atomic(durable=True):
        base = slugify(name)[:70] or "partner"
        slug, n = base, 1
        while SpendPartner.objects.filter(community=community, slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        account = accounts_services.organisation_account_open(community=community, name=name)
        partner = SpendPartner.objects.create(
            community=community,
            name=name,
            slug=slug,
            description=description.strip(),
            place=place.strip(),
            agency=agency,
            account=account,
        )
        audit_record(
            actor=actor,
            action="partner.create",
            subject=partner,
            community_id=community.pk,
            changes={k: [None, v] for k, v in snapshot(partner, PARTNER_FIELDS).items()},
        )
    return partner


def partner_update(
    *,
    actor: Actor,
    partner: SpendPartner,
    name: str | None = None,
    description: str | None = None,
    place: str | None = None,
    agency: Agency | None | Any = ...,
) -> SpendPartner:
    """Change a partner's details (None leaves a field; `agency=None` unlinks it). Coordinators.
    Raises PermissionDenied, NotFound, ValidationFailed."""
    community_access.access_coordinate(actor, partner.community)
    new_name = partner.name if name is None else name
    new_description = partner.description if description is None else description
    new_place = partner.place if place is None else place
    errors = _partner_errors(name=new_name, description=new_description, place=new_place)
    if errors:
        raise ValidationFailed("Please correct the partner's details.", fields=errors)
    if agency is not ...:
        _check_agency(partner.community, agency)
    with transaction.atomic(durable=True):
        locked = SpendPartner.objects.select_for_update().get(pk=partner.pk)
        before = snapshot(locked, PARTNER_FIELDS)
        locked.name, locked.description, locked.place = (
            new_name.strip(),
            new_description.strip(),
            new_place.strip(),
        )
        if agency is not ...:
            locked.agency = agency
        changes = diff(before, snapshot(locked, PARTNER_FIELDS))
        if changes:
            locked.save(update_fields=["name", "description", "place", "agency"])
            audit_record(
                actor=actor,
                action="partner.update",
                subject=locked,
                community_id=locked.community_id,
                changes=changes,
            )
    return locked


def partner_archive(*, actor: Actor, partner: SpendPartner) -> SpendPartner:
    """No more redemptions; the partner's history and account stay. Coordinators.
    Raises PermissionDenied, NotFound."""
    community_access.access_coordinate(actor, partner.community)
    with transaction.atomic(durable=True):
        locked = SpendPartner.objects.select_for_update().get(pk=partner.pk)
        if not locked.is_archived:
            locked.is_archived = True
            locked.save(update_fields=["is_archived"])
            audit_record(
                actor=actor,
                action="partner.archive",
                subject=locked,
                community_id=locked.community_id,
                changes={"is_archived": [False, True]},
            )
    return locked


def _offer_errors(
    *,
    title: str,
    minutes: Any,
    per_member_per_month: Any,
    times: Any,
    max_adults: Any,
    max_children: Any,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(title, str) or not title.strip():
        errors["title"] = ["Say what the credits buy, e.g. One swim."]
    elif len(title) > 150:
        errors["title"] = ["At most 150 characters."]
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 24 * 60:
        errors["minutes"] = ["Between 1 minute and 24 hours a person."]
    if per_member_per_month is not None and (
        not isinstance(per_member_per_month, int) or not 1 <= per_member_per_month <= 100
    ):
        errors["per_member_per_month"] = ["Between 1 and 100, or none for no limit."]
    if not isinstance(times, list) or any(t not in AVAILABILITY_SLOTS for t in times):
        errors["times"] = ["Times are codes like mon-am, tue-pm, sat-eve."]
    for field, value in (("max_adults", max_adults), ("max_children", max_children)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PEOPLE:
            errors[field] = [f"Between 0 and {MAX_PEOPLE}."]
    if (
        "max_adults" not in errors
        and "max_children" not in errors
        and max_adults + max_children < 1
    ):
        errors["max_adults"] = ["At least one person must be able to use the offer."]
    return errors


def offer_create(
    *,
    actor: Actor,
    partner: SpendPartner,
    title: str,
    minutes: int,
    per_member_per_month: int | None = None,
    times: list[str] | None = None,
    max_adults: int = 1,
    max_children: int = 0,
) -> PartnerOffer:
    """Raises PermissionDenied, NotFound, ValidationFailed."""
    access_manage_offers(actor, partner)
    times = list(times or [])
    errors = _offer_errors(
        title=title,
        minutes=minutes,
        per_member_per_month=per_member_per_month,
        times=times,
        max_adults=max_adults,
        max_children=max_children,
    )
    if errors:
        raise ValidationFailed("Please correct the offer.", fields=errors)
    if partner.is_archived:
        raise ValidationFailed("This partner is archived.", fields={"partner": ["Archived."]})
    with transaction.atomic(durable=True):
        offer = PartnerOffer.objects.create(
            partner=partner,
            title=title.strip(),
            minutes=minutes,
            per_member_per_month=per_member_per_month,
            times=sorted(set(times), key=AVAILABILITY_SLOTS.index),
            max_adults=max_adults,
            max_children=max_children,
        )
        audit_record(
            actor=actor,
            action="partner.offer_create",
            subject=offer,
            community_id=partner.community_id,
            changes={k: [None, v] for k, v in snapshot(offer, OFFER_FIELDS).items()},
        )
    return offer


def offer_update(*, actor: Actor, offer: PartnerOffer, **changes: Any) -> PartnerOffer:
    """Change any of title, minutes, per_member_per_month, times, max_adults, max_children,
    is_active (False deactivates; past receipts keep what they cost). Raises PermissionDenied,
    NotFound, ValidationFailed."""
    partner = offer.partner
    access_manage_offers(actor, partner)
    unknown = set(changes) - set(OFFER_FIELDS)
    if unknown:
        raise ValidationFailed(
            "Unknown fields.", fields={k: ["Unknown field."] for k in sorted(unknown)}
        )
    merged = {**snapshot(offer, OFFER_FIELDS), **changes}
    if "times" in changes and isinstance(merged["times"], list):
        merged["times"] = sorted(
            set(merged["times"]),
            key=lambda t: AVAILABILITY_SLOTS.index(t) if t in AVAILABILITY_SLOTS else -1,
        )
    errors = _offer_errors(**{k: merged[k] for k in OFFER_FIELDS if k != "is_active"})
    if not isinstance(merged["is_active"], bool):
        errors["is_active"] = ["True or false."]
    if errors:
        raise ValidationFailed("Please correct the offer.", fields=errors)
    with transaction.atomic(durable=True):
        locked = PartnerOffer.objects.select_for_update().get(pk=offer.pk)
        before = snapshot(locked, OFFER_FIELDS)
        for field in OFFER_FIELDS:
            setattr(locked, field, merged[field])
        if isinstance(locked.title, str):
            locked.title = locked.title.strip()
        changed = diff(before, snapshot(locked, OFFER_FIELDS))
        if changed:
            locked.save(update_fields=list(changed))
            audit_record(
                actor=actor,
                action="partner.offer_update",
                subject=locked,
                community_id=partner.community_id,
                changes=changed,
            )
    locked.partner = partner
    return locked


def offer_deactivate(*, actor: Actor, offer: PartnerOffer) -> PartnerOffer:
    return offer_update(actor=actor, offer=offer, is_active=False)


# Redemption ----------------------------------------------------------------------------------


def _receipt_number(partner: SpendPartner) -> str:
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", partner.name)).upper()[:3] or "RCP"
    return f"{initials}-{''.join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))}"


def _unused_receipt(partner: SpendPartner) -> str:
    """A receipt number no redemption has used. Six letters from the alphabet clash about once in
    887 million; a clash is drawn again rather than left to the unique constraint (a 500) or to
    the ledger's key (which would answer with the other member's transfer)."""
    for _attempt in range(5):
        receipt = _receipt_number(partner)
        if not Redemption.objects.filter(receipt_number=receipt).exists():
            return receipt
    raise Conflict("No free receipt number could be drawn; please try again.", code="receipt_clash")


def _lock_accounts(account_ids: list[int], accounts: dict) -> None:
    """Lock the accounts the redemption will touch, in ascending id order as the ledger does, so
    the allowance counted below cannot change until this transaction ends, and no transfer
    between the same accounts can deadlock with this one."""
    for pk in sorted(set(account_ids)):
        model = type(accounts[pk])
        query = model.objects.filter(pk=pk)
        if connection.features.has_select_for_update:
            query = query.select_for_update(no_key=connection.features.has_select_for_no_key_update)
        list(query.values_list("pk", flat=True))


def _load_redemption(stored: dict) -> Redemption:
    return Redemption.objects.select_related("offer", "person", "partner", "redeemed_by").get(
        pk=stored["redemption_id"]
    )


def redemption_create(
    *,
    actor: Actor,
    partner: SpendPartner,
    offer: PartnerOffer,
    member_ref: str,
    adults: int = 1,
    children: int = 0,
    idempotency_key: str,
    at: dt.datetime | None = None,
) -> Redemption:
    """Spend a member's credits at a partner's door. Idempotent on the key: the same request
    again is the original receipt; another request under the same key is a Conflict.
    Raises PermissionDenied/NotFound (not the partner's staff), ValidationFailed (unknown or
    former member, inactive offer or archived partner, people, times, monthly allowance),
    LimitExceeded (not enough credit: the ledger's words). `at` is when the member came through
    the door: now unless given (the demo and tests give earlier times; never a future one)."""
    community = partner.community
    access_partner_desk(actor, partner)
    if offer.partner_id != partner.pk:
        raise NotFound("No such offer.")
    number = member_ref_parse(community, member_ref)
    request = {
        "partner": partner.pk,
        "offer": offer.pk,
        "member": number,
        "adults": adults,
        "children": children,
    }

    def run():
        membership = member_for_redemption(community, str(number), viewer=actor)
        person = membership.person
        locked_partner = SpendPartner.objects.get(pk=partner.pk)
        locked_offer = PartnerOffer.objects.get(pk=offer.pk)
        if locked_partner.is_archived or locked_partner.account_id is None:
            raise ValidationFailed(
                "This partner no longer takes credits.", fields={"partner": ["Archived."]}
            )
        if not locked_offer.is_active:
            raise ValidationFailed(
                "This offer is no longer available.", fields={"offer": ["No longer available."]}
            )
        errors: dict[str, list[str]] = {}
        if not isinstance(adults, int) or not 0 <= adults <= locked_offer.max_adults:
            errors["adults"] = [
                ngettext(
                    "At most %(n)d adult for this offer.",
                    "At most %(n)d adults for this offer.",
                    locked_offer.max_adults,
                )
                % {"n": locked_offer.max_adults}
            ]
        if not isinstance(children, int) or not 0 <= children <= locked_offer.max_children:
            errors["children"] = [
                ngettext(
                    "At most %(n)d child for this offer.",
                    "At most %(n)d children for this offer.",
                    locked_offer.max_children,
                )
                % {"n": locked_offer.max_children}
            ]
        if not errors and adults + children < 1:
            errors["adults"] = ["At least one person."]
        if errors:
            raise ValidationFailed("Please check who is coming.", fields=errors)
        when = at or timezone.now()
        if when > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationFailed(
                "A redemption cannot be dated in the future.", fields={"at": ["In the future."]}
            )
        slot = slot_at(community, when)
        if locked_offer.times and slot not in locked_offer.times:
            raise ValidationFailed(
                f"{locked_offer.title} cannot be used at this time of day.",
                fields={"offer": ["Not available at this time."]},
            )
        member_account = accounts_services.member_account(community, person)
        routed = accounts_selectors.account_get(community, locked_partner.account_id)
        rule = communities_selectors.rules_for(community).get("partner_credits_go", "keep")
        onward = {
            "fund": accounts_services.fund_account,
            "retire": accounts_services.issuance_account,
        }.get(rule)
        onward_account = onward(community) if onward else None
        accounts = {a.pk: a for a in (member_account, routed, onward_account) if a is not None}
        _lock_accounts(list(accounts), accounts)
        if locked_offer.per_member_per_month is not None:
            used = Redemption.objects.filter(
                person=person, offer=locked_offer, created_at__gte=_month_start(community, when)
            ).count()
            if used >= locked_offer.per_member_per_month:
                raise ValidationFailed(
                    ngettext(
                        "%(name)s has already used %(offer)s once this month.",
                        "%(name)s has already used %(offer)s %(n)d times this month.",
                        locked_offer.per_member_per_month,
                    )
                    % {
                        "name": person.display_name,
                        "offer": locked_offer.title,
                        "n": locked_offer.per_member_per_month,
                    },
                    fields={"member_ref": ["No more this month."]},
                )
        minutes = locked_offer.minutes * (adults + children)
        receipt = _unused_receipt(locked_partner)
        memo = f"{locked_offer.title} at {locked_partner.name}"
        try:
            transfer = transfers_services.post_transfer(
                actor=actor,
                community=community,
                key=f"redemption:{receipt}",
                reason=transfers_services.Reason.REDEMPTION,
                memo=memo,
                on_behalf_of=person,
                related=("redemption", receipt),
                effective_at=when,
                legs=[
                    postings_services.Leg(member_account.pk, -minutes),
                    postings_services.Leg(routed.pk, minutes),
                ],
            )
        except ledger_errors.LimitExceeded as exc:
            # The ledger's refusal names the balance it would reach; the desk sees only its first
            # sentence ("<name> does not have enough time credit"), not the member's balance.
            raise ledger_errors.LimitExceeded(
                exc.message.split(":")[0].rstrip(".") + ".",
                fields={"member_ref": ["Not enough time credit for this."]},
            ) from None
        if onward_account is not None:
            transfers_services.post_transfer(
                actor=actor,
                community=community,
                key=f"redemption:{receipt}:{rule}",
                reason=transfers_services.Reason.PARTNER_ONWARD,
                memo=f"{memo}: credits "
                f"{'given to the community fund' if rule == 'fund' else 'retired'}",
                related=("redemption", receipt),
                effective_at=when,
                legs=[
                    postings_services.Leg(routed.pk, -minutes),
                    postings_services.Leg(onward_account.pk, minutes),
                ],
            )
        redemption = Redemption.objects.create(
            partner=locked_partner,
            offer=locked_offer,
            person=person,
            adults=adults,
            children=children,
            minutes=minutes,
            transfer_id=transfer.pk,
            receipt_number=receipt,
            redeemed_by=actor,
            created_at=when,
        )
        audit_record(
            actor=actor,
            on_behalf_of=person,
            action="partner.redeem",
            subject=redemption,
            community_id=community.pk,
            person_id=person.pk,
            changes={
                "minutes": [None, minutes],
                "offer": [None, locked_offer.pk],
                "adults": [None, adults],
                "children": [None, children],
                "receipt": [None, receipt],
                "credits_go": [None, rule],
            },
        )
        notifications_services.notify(
            person=person,
            kind="redemption",
            community=community,
            title=f"Receipt {receipt}: {memo}",
            body=(
                f"{amounts_selectors.hours(minutes)} spent on {locked_offer.title} at "
                f"{locked_partner.name} ({_people(adults, children)}). Receipt number {receipt}."
            ),
            url=f"/c/{community.slug}/spend/{locked_partner.pk}/receipts/{receipt}/",
        )
        return redemption, {"redemption_id": redemption.pk}

    return idempotent(
        scope=f"redemption:{community.pk}",
        key=idempotency_key,
        request=request,
        run=run,
        load=_load_redemption,
    )
