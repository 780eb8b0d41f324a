"""Who may do what with agencies, their roles, sessions, registers, referrals and partners.

- Agency admins manage their agency (staff, roles, sessions, assessments); staff run sessions
  and registers and make referrals; the community's coordinators may do all of that for every
  agency in the community. Members see published roles and sessions and sign themselves up.
- Agency staff and admins (of any active agency of the community) and coordinators record
  members' training.
- A spend partner's door (redemptions, its report) is worked by the current staff of the agency
  the partner is linked to (`SpendPartner.agency`) and by the community's coordinators. There is
  no separate link from a person to a partner, and the community role `partner` alone is not
  enough: it says someone works for *a* partner, not which one, and redeeming at any partner
  would let one venue take another's credits. A partner without an agency is run by
  coordinators only; its offers are changed by coordinators and its agency's admins.
Raises NotFound for people outside the community, PermissionDenied for members who may not."""

from __future__ import annotations

from coproduce.communities import access as community_access
from coproduce.core.actors import Actor
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Agency, AgencyMembership, AgencyRole, Referral, SpendPartner


def agency_role(person, agency: Agency) -> str | None:
    """`admin`, `staff` or None: the person's current place in the agency."""
    if getattr(person, "pk", None) is None:
        return None
    cache = person.__dict__.setdefault("_agency_roles", {})
    if agency.pk not in cache:
        cache[agency.pk] = (
            AgencyMembership.objects.filter(
                agency=agency, person_id=person.pk, ended_at__isnull=True
            )
            .values_list("role", flat=True)
            .first()
        )
    return cache[agency.pk]


def forget_agency_roles(person) -> None:
    person.__dict__.pop("_agency_roles", None)


def is_staff_of(person, agency: Agency) -> bool:
    return agency_role(person, agency) is not None


def access_agency(person, agency: Agency) -> None:
    """Seeing an agency's public page: anyone in the community (and operators)."""
    community_access.access_community(person, agency.community)


def access_staff_work(person, agency: Agency) -> None:
    """Running sessions, registers and referrals for the agency: its staff and admins, and the
    community's coordinators. A suspended member does no staff work (`suspended`)."""
    community_access.access_community(person, agency.community)
    community_access.access_not_suspended(person, agency.community)
    if community_access.is_coordinator(person, agency.community) or is_staff_of(person, agency):
        return
    raise PermissionDenied(
        "Only the agency's staff and the community's coordinators can do this.",
        code="not_agency_staff",
    )


def can_do_staff_work(person, agency: Agency) -> bool:
    """Whether `access_staff_work` would let the person through (for showing staff's parts of a
    page)."""
    try:
        access_staff_work(person, agency)
    except (PermissionDenied, NotFound):
        return False
    return True


def access_manage_agency(person, agency: Agency) -> None:
    """Changing the agency itself, its staff list and its roles: agency admins and coordinators."""
    community_access.access_community(person, agency.community)
    if (
        community_access.is_coordinator(person, agency.community)
        or agency_role(person, agency) == AgencyRole.ADMIN
    ):
        return
    raise PermissionDenied(
        "Only the agency's admins and the community's coordinators can do this.",
        code="not_agency_admin",
    )


def agency_in(community, agency: Agency) -> None:
    if agency.community_id != community.pk:
        raise NotFound("No such agency.")


def can_manage(person, agency: Agency) -> bool:
    try:
        access_manage_agency(person, agency)
    except (PermissionDenied, NotFound):
        return False
    return True


def access_record_training(actor: Actor, community) -> None:
    """Staff or admins of an active agency of the community, and its coordinators."""
    community_access.access_community(actor, community)
    if community_access.is_coordinator(actor, community):
        return
    if (
        getattr(actor, "pk", None)
        and AgencyMembership.objects.filter(
            person_id=actor.pk,
            agency__community=community,
            agency__is_archived=False,
            ended_at__isnull=True,
        ).exists()
    ):
        return
    raise PermissionDenied(
        "Only agency staff and coordinators can record training.", code="not_agency_staff"
    )


def access_referral_outcome(person, referral: Referral) -> None:
    """Who may see a referral's outcome: the agency's staff and the coordinators."""
    access_staff_work(person, referral.agency)


# Spend partners ---------------------------------------------------------------------------------


def is_partner_staff(person, partner: SpendPartner) -> bool:
    if community_access.is_coordinator(person, partner.community):
        return True
    return partner.agency is not None and is_staff_of(person, partner.agency)


def access_partner(person, partner: SpendPartner) -> None:
    """Seeing a partner and its offers: anyone in the community."""
    community_access.access_community(person, partner.community)


def access_partner_desk(person, partner: SpendPartner) -> None:
    """Taking redemptions and reading the partner's report: its agency's staff and coordinators."""
    community_access.access_community(person, partner.community)
    if not is_partner_staff(person, partner):
        raise PermissionDenied(
            "Only the partner's staff and the community's coordinators can do this.",
            code="not_partner_staff",
        )


def access_manage_offers(person, partner: SpendPartner) -> None:
    """Changing a partner's offers: coordinators and admins of the partner's agency."""
    community_access.access_community(person, partner.community)
    if community_access.is_coordinator(person, partner.community):
        return
    if partner.agency is not None and agency_role(person, partner.agency) == AgencyRole.ADMIN:
        return
    raise PermissionDenied(
        "Only the community's coordinators and the partner's agency admins can change offers.",
        code="not_partner_admin",
    )
