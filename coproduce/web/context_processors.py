from __future__ import annotations

from coproduce.communities import access
from coproduce.communities.models import Role


def navigation(request):
    """The navigation a person sees depends on their roles in each community."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_memberships": [], "nav_coordinated": [], "suspended_in": set()}
    cache = access.memberships_with_roles(user)
    memberships = sorted((m for m, _ in cache.values()), key=lambda m: m.community.name)
    coordinated = [m for m, roles in cache.values() if Role.COORDINATOR in roles]
    return {
        "nav_memberships": memberships,
        "nav_coordinated": sorted(coordinated, key=lambda m: m.community.name),
        "acting_for": getattr(request, "acting_for", None),
        # The communities where the person is suspended: base.html shows the banner there (read
        # with the memberships above, so no query of its own).
        "suspended_in": {m.community_id for m in memberships if m.status == "suspended"},
    }
