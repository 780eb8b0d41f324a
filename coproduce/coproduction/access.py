"""Who may do what with agencies, their roles, sessions, registers, referrals and partners.

- Agency admins manage their agency (staff, roles, sessions, assessments); staff run sessions
  and registers and make referrals; the community's coordinators may do all of that for every
  agency in the community. Members see published roles and sessions and sign themselves up.
- A spend partner's redemptions are taken by people with the `partner` role in the community
  who are named on the partner (its agency's staff) and by coordinators.
Raises NotFound for people outside the community, PermissionDenied for members who may not."""

from __future__ import annotations

from coproduce.communities import access as community_access
from coproduce.core.errors import NotFound, PermissionDenied

from .models import Agency, AgencyMembership, AgencyRole


def agency_role(person, agency: Agency) -> str | None:
    """`admin`, `staff` or None: the person's current place in the agency."""
    if getattr(person, "pk", None) is None:
        return None
    cache = person.__dict__.setdefault("_agency_roles", {})
    if agency.pk not in cache:
        cache[agency.pk] = (
            AgencyMembership.objects.filter(agency=agency, person_id=person.pk, ended_at__isnull=True)
            .values_list("role", flat=True).first()
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
    community's coordinators."""
    community_access.access_community(person, agency.community)
    if community_access.is_coordinator(person, agency.community) or is_staff_of(person, agency):
        return
    raise PermissionDenied("Only the agency's staff and the community's coordinators can do this.",
                           code="not_agency_staff")


def can_do_staff_work(person, agency: Agency) -> bool:
    """Whether `access_staff_work` would let the person through (for showing staff's parts of a page)."""
    try:
        access_staff_work(person, agency)
    except (PermissionDenied, NotFound):
        return False
    return True


def access_manage_agency(person, agency: Agency) -> None:
    """Changing the agency itself, its staff list and its roles: agency admins and coordinators."""
    community_access.access_community(person, agency.community)
    if community_access.is_coordinator(person, agency.community) or agency_role(person, agency) == AgencyRole.ADMIN:
        return
    raise PermissionDenied("Only the agency's admins and the community's coordinators can do this.",
                           code="not_agency_admin")


def agency_in(community, agency: Agency) -> None:
    if agency.community_id != community.pk:
        raise NotFound("No such agency.")
