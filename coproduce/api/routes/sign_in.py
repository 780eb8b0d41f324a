"""A way in for a member who signs in with their member number (coordinators): the one-time code
of a sign-in letter. The member types it, with their member number, at `sign_in_url` and then
chooses their own password."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from coproduce.communities.services import sign_in

from .. import paths
from ..schemas import WRITE_ERRORS, MemberNumber, Slug

router = Router(tags=["members"])


class SignInCodeOut(Schema):
    member_code: str = Field(description="e.g. RIV-0005: what the member types with the code.")
    code: str = Field(
        description="Eight letters and numbers, e.g. K7QM-29XP. Shown once: only a hash is kept."
    )
    expires_at: dt.datetime = Field(description="The code works once, until then.")
    sign_in_url: str = Field(description="Where the member types their member number and the code.")


@router.post(
    "/{slug}/members/{number}/sign-in-code",
    response={201: SignInCodeOut, **WRITE_ERRORS},
    summary="A sign-in letter's one-time code (coordinators)",
)
def member_sign_in_code(request, slug: Slug, number: MemberNumber):
    """For a member without a password or who has lost it, typically one without email. A new code
    replaces any earlier one. Refused (403 `sign_in_protected`) for coordinators, operators and
    anyone with two-factor sign-in: they reset their own password."""
    community, membership = paths.coordinated_member(request, slug, number)
    token, code = sign_in.sign_in_code_issue(
        actor=request.user, community=community, membership=membership
    )
    return Status(
        201,
        {
            "member_code": membership.member_code,
            "code": code,
            "expires_at": token.expires_at,
            "sign_in_url": settings.SITE_URL + reverse("web:sign_in_code"),
        },
    )
