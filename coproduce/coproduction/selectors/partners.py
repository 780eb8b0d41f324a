"""Spend partners: the reads. Partners and their offers, the member check at the desk (a name
and whether they can pay, never a balance), receipts, the partner's report by month and offer
(also as CSV), and the time rules (which availability slot and which month a moment falls in,
in the community's time). The writes are in services/partners.py; who may work a partner's
door is in access.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import NotFound, ValidationFailed
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors import amounts as amounts_selectors

from ..access import is_partner_staff
from ..models import Agency, PartnerOffer, Redemption, SpendPartner

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def partners_of(community, *, archived: bool = False) -> QuerySet[SpendPartner]:
    return (
        SpendPartner.objects.filter(community=community, is_archived=archived)
        .select_related("agency")
        .prefetch_related("offers")
    )


def partner_get(community, partner_id: int) -> SpendPartner:
    try:
        return SpendPartner.objects.select_related("community", "agency", "account").get(
            community=community, pk=partner_id
        )
    except SpendPartner.DoesNotExist:
        raise NotFound("No such partner.") from None


def offers_of(partner: SpendPartner, *, active_only: bool = True) -> QuerySet[PartnerOffer]:
    offers = PartnerOffer.objects.filter(partner=partner)
    return offers.filter(is_active=True) if active_only else offers


def offer_get(partner: SpendPartner, offer_id: int) -> PartnerOffer:
    try:
        return PartnerOffer.objects.select_related("partner").get(partner=partner, pk=offer_id)
    except PartnerOffer.DoesNotExist:
        raise NotFound("No such offer.") from None


def agency_for_partner(community, agency_id: int) -> Agency:
    """An agency of the community to link a partner to; ValidationFailed when there is none."""
    agency = Agency.objects.filter(community=community, pk=agency_id, is_archived=False).first()
    if agency is None:
        raise ValidationFailed(
            "That agency is not in this community.", fields={"agency_id": ["No such agency."]}
        )
    return agency


def partners_staffed_by(person, community) -> list[SpendPartner]:
    """The partners whose door this person may work (all of them for coordinators)."""
    partners = list(partners_of(community))
    return [p for p in partners if is_partner_staff(person, p)]


def redemption_get(partner: SpendPartner, receipt_number: str) -> Redemption:
    try:
        return Redemption.objects.select_related("offer", "person", "partner", "redeemed_by").get(
            partner=partner, receipt_number=receipt_number
        )
    except Redemption.DoesNotExist:
        raise NotFound("No such receipt.") from None


def member_ref_parse(community, member_ref: str) -> int:
    """The member number in what was typed or scanned: `RIV-0042`, `42`, or the member card's
    QR code `coproduce:<slug>:RIV-0042`. Raises ValidationFailed for anything else (a card of
    another community included)."""
    text = (member_ref or "").strip()
    bad = ValidationFailed(
        "That is not a member number of this community.",
        fields={
            "member_ref": [
                "Type a member number like "
                f"{community.member_prefix}-0042, or scan the member card."
            ]
        },
    )
    if text.lower().startswith("coproduce:"):
        parts = text.split(":")
        if len(parts) != 3 or parts[1] != community.slug:
            raise bad
        text = parts[2]
    number = member_refs_selectors.member_number_in(community, text)
    if number is None:
        raise bad
    return number


def member_for_redemption(community, member_ref: str, *, viewer=None):
    """The active membership behind a member number or card; NotFound-like refusals as
    ValidationFailed on `member_ref` (the desk typed it)."""
    number = member_ref_parse(community, member_ref)
    membership = memberships_selectors.active_members_by_number(community, {number}).get(number)
    if membership is None and viewer is not None:
        # A suspended member is told so at the door, in the one suspension error.
        try:
            held = memberships_selectors.membership_by_number(community, number)
        except NotFound:
            held = None
        if held is not None:
            community_access.access_not_suspended(held.person, community, viewer=viewer)
    if membership is None:
        raise ValidationFailed(
            "No current member has that number.",
            fields={"member_ref": ["No current member has that number."]},
        )
    return membership


@dataclass
class MemberCheck:
    """What the desk may see about a member: their name and whether they can pay, no balance."""

    member_code: str
    name: str
    can_pay: dict[int, bool]  # offer id -> enough credit for one person
    used_this_month: dict[int, int]  # offer id -> redemptions this calendar month


def member_check(
    partner: SpendPartner, member_ref: str, *, at: dt.datetime | None = None
) -> MemberCheck:
    membership = member_for_redemption(partner.community, member_ref)
    person = membership.person
    rules = communities_selectors.rules_for(partner.community)
    account = accounts_selectors.account_of(partner.community, person)
    available = (account.balance_minutes - account.pending_debit_minutes) if account else 0
    floor = rules["credit_floor_minutes"]
    offers = list(offers_of(partner))
    start = _month_start(partner.community, at or timezone.now())
    used = dict(
        Redemption.objects.filter(person=person, offer__in=offers, created_at__gte=start)
        .values_list("offer")
        .annotate(n=Count("id"))
        .values_list("offer", "n")
    )
    return MemberCheck(
        member_code=membership.member_code,
        name=person.display_name,
        can_pay={o.pk: available - o.minutes >= floor for o in offers},
        used_this_month={o.pk: used.get(o.pk, 0) for o in offers},
    )


@dataclass
class ReportRow:
    month: dt.date
    offer_id: int
    offer_title: str
    redemptions: int
    adults: int
    children: int
    minutes: int


def partner_report(
    partner: SpendPartner, *, before: tuple[dt.date, int] | None = None, limit: int | None = None
) -> list[ReportRow]:
    """Redemptions by month (community time) and offer, newest month first; keyset on
    (month, offer id) descending."""
    tz = communities_selectors.community_zone(partner.community)
    rows = (
        Redemption.objects.filter(partner=partner)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", "offer_id", "offer__title")
        .annotate(
            n=Count("id"),
            adults_total=Sum("adults"),
            children_total=Sum("children"),
            minutes_total=Sum("minutes"),
        )
        .order_by("-month", "-offer_id")
    )
    out: list[ReportRow] = []
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        if before is not None and (month, row["offer_id"]) >= before:
            continue
        out.append(
            ReportRow(
                month=month,
                offer_id=row["offer_id"],
                offer_title=row["offer__title"],
                redemptions=row["n"],
                adults=row["adults_total"] or 0,
                children=row["children_total"] or 0,
                minutes=row["minutes_total"] or 0,
            )
        )
        if limit is not None and len(out) >= limit:
            break
    return out


def partner_report_csv(partner: SpendPartner) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["month", "offer", "redemptions", "adults", "children", "minutes", "hours"])
    for row in partner_report(partner):
        writer.writerow(
            [
                row.month.strftime("%Y-%m"),
                _csv_safe(row.offer_title),
                row.redemptions,
                row.adults,
                row.children,
                row.minutes,
                amounts_selectors.hours(row.minutes),
            ]
        )
    return buffer.getvalue()


def _csv_safe(text: str) -> str:
    # A title starting with = + - @ would be run as a formula by a spreadsheet.
    return f"'{text}" if text[:1] in {"=", "+", "-", "@"} else text


def redemptions_recent(partner: SpendPartner, limit: int = 20) -> list[Redemption]:
    return list(
        Redemption.objects.filter(partner=partner).select_related("offer", "person")[:limit]
    )


# Time rules ------------------------------------------------------------------------------------


def _local(community, at: dt.datetime) -> dt.datetime:
    return at.astimezone(communities_selectors.community_zone(community))


def _month_start(community, at: dt.datetime) -> dt.datetime:
    return _local(community, at).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def slot_at(community, at: dt.datetime) -> str:
    """The availability slot a moment falls in, in the community's own time: morning before
    12:00, afternoon until 17:00, evening after (e.g. `sat-am`)."""
    local = _local(community, at)
    part = "am" if local.hour < 12 else "pm" if local.hour < 17 else "eve"
    return f"{DAYS[local.weekday()]}-{part}"
