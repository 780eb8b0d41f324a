"""Communities and their rulebooks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, create_model

from coproduce.communities import access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors.rules import RULES
from coproduce.communities.services import communities as communities_services
from coproduce.core import limits

from .. import paths
from ..auth import PUBLIC_AUTH, PUBLIC_SECURITY
from ..pagination import PageParams, key_int, key_str, keyset_page
from ..schemas import READ_ERRORS, WRITE_ERRORS, Slug

router = Router(tags=["communities"])

RuleValue = int | str | None


class CommunityOut(Schema):
    slug: str
    name: str
    area_description: str
    timezone: str
    language: str
    my_roles: list[str] = Field(
        description="Your roles here; empty when you are not a member or not signed in."
    )


class CommunityPage(Schema):
    items: list[CommunityOut]
    next_cursor: str | None


class CommunityDetailOut(CommunityOut):
    member_prefix: str
    rulebook_version: int
    rules: dict[str, RuleValue]


class CommunityIn(Schema):
    name: str = Field(
        min_length=1,
        max_length=communities_services.COMMUNITY_NAME_MAX,
        description="Such as Riverside Time Bank.",
    )
    slug: str = Field(
        min_length=1,
        max_length=communities_services.COMMUNITY_SLUG_MAX,
        description="Its web address name: lower-case letters, digits and single hyphens. 409 when "
        "another community has it.",
    )
    member_prefix: str = Field(
        min_length=1,
        max_length=5,
        description="2 to 5 letters before member numbers (RIV for RIV-0042). 409 when "
        "another community has it.",
    )
    area_description: str = Field("", max_length=communities_services.COMMUNITY_AREA_MAX)
    coordinator_email: str = Field(
        "",
        max_length=communities_services.EMAIL_MAX,
        description="The first coordinator: a person with this email gets the coordinator role; a "
        "new email gets an account with the role and the welcome email (then `coordinator_name` is "
        "needed). Empty: name one later by giving a member the role.",
    )
    coordinator_name: str = Field(
        "",
        max_length=communities_services.PERSON_NAME_MAX,
        description="The new coordinator's name, when the email is new.",
    )


class FirstCoordinatorOut(Schema):
    member_code: str
    name: str


class CommunityCreatedOut(CommunityDetailOut):
    first_coordinator: FirstCoordinatorOut | None


class RuleChoiceOut(Schema):
    value: str
    label: str


class RuleDefinitionOut(Schema):
    key: str
    label: str
    help: str
    kind: str = Field(description="`int`, `optional_int` (null allowed) or `choice`.")
    default: RuleValue
    minimum: int | None
    maximum: int | None
    choices: list[RuleChoiceOut]
    unit: str
    area: str = Field(
        description="`hours`, `membership`, `governance`, or `changing` (the rules about "
        "changing rules)."
    )
    coordinator_may_change: bool = Field(
        description="Whether a coordinator or steward may change it alone under the rules in "
        "force (`change_<area>`); otherwise only an adopted proposal does."
    )


class RulesOut(Schema):
    version: int
    adopted_at: dt.datetime
    reason: str
    source: str
    values: dict[str, RuleValue]
    definitions: list[RuleDefinitionOut]


class RuleVersionOut(Schema):
    number: int
    values: dict[str, RuleValue]
    reason: str
    source: str = Field(description="`founding`, `coordinator` or `decision`.")
    changed_by: str | None
    created_at: dt.datetime


class RuleVersionPage(Schema):
    items: list[RuleVersionOut]
    next_cursor: str | None


def _rule_change_field(rule):
    if rule.kind == "choice":
        kind = Literal[tuple(value for value, _ in rule.choices)]  # type: ignore[valid-type]
    else:
        kind = Annotated[int, Field(ge=rule.minimum, le=rule.maximum)]
        if rule.kind == "optional_int":
            kind = kind | None
    unit = f" ({rule.unit})" if rule.unit else ""
    return (kind, Field(None, description=f"{rule.label}{unit}: {rule.help}"))


# One optional property per rule, with its type and bounds, so the OpenAPI document describes
# the rulebook; unknown keys are refused.
class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


if TYPE_CHECKING:
    RuleChanges = _Strict
else:
    RuleChanges = create_model(
        "RuleChanges",
        __base__=_Strict,
        **{key: _rule_change_field(rule) for key, rule in RULES.items()},
    )


class RuleChangeIn(Schema):
    changes: RuleChanges = Field(
        description="The rules to change and their new values; others stay as they are."
    )
    reason: str = Field(
        min_length=1,
        max_length=limits.TEXT,
        description="Why the rules are changing (shown in the history).",
    )


def _roles(request, community, scope: int | None) -> list[str]:
    if scope is not None and scope != community.pk:
        return []
    return sorted(access.roles_in(request.user, community))


def _community_out(request, community, scope: int | None) -> dict:
    return {
        "slug": community.slug,
        "name": community.name,
        "area_description": community.area_description,
        "timezone": community.timezone,
        "language": community.language,
        "my_roles": _roles(request, community, scope),
    }


def _version_out(version) -> dict:
    return {
        "number": version.number,
        "values": version.values,
        "reason": version.reason,
        "source": version.source,
        "changed_by": version.changed_by.display_name if version.changed_by_id else None,
        "created_at": version.created_at,
    }


@router.get(
    "",
    response={200: CommunityPage, **READ_ERRORS},
    auth=PUBLIC_AUTH,
    openapi_extra=PUBLIC_SECURITY,
    summary="List communities",
)
def communities_list(request, page: Query[PageParams]):
    """Communities open to applications, by name, with your roles in each. No sign-in needed."""
    rows, next_cursor = keyset_page(
        communities_selectors.communities_listed(),
        fields=("name", "id"),
        kinds=(key_str, key_int),
        cursor=page.cursor,
        limit=page.limit,
    )
    scope = paths.token_community_id(request)
    return {"items": [_community_out(request, c, scope) for c in rows], "next_cursor": next_cursor}


@router.post(
    "",
    response={201: CommunityCreatedOut, **WRITE_ERRORS},
    summary="Create a community (operators)",
)
def community_create(request, payload: CommunityIn):
    """Operators only (403 `operators_only` otherwise): a community with the founding rules and,
    when `coordinator_email` is given, its first coordinator. 422 for a bad name, web address,
    prefix or email, or a new email without `coordinator_name`; 409 when another community has the
    web address or the prefix. Nothing is created unless all of it is."""
    community, membership = communities_services.community_found(
        actor=request.user, **payload.dict()
    )
    return Status(
        201,
        {
            **_detail_out(request, community),
            "first_coordinator": (
                {"member_code": membership.member_code, "name": membership.person.display_name}
                if membership is not None
                else None
            ),
        },
    )


def _detail_out(request, community) -> dict:
    version = communities_selectors.rulebook_current(community)
    return {
        **_community_out(request, community, paths.token_community_id(request)),
        "member_prefix": community.member_prefix,
        "rulebook_version": version.number,
        "rules": {**{key: rule.default for key, rule in RULES.items()}, **version.values},
    }


@router.get(
    "/{slug}",
    response={200: CommunityDetailOut, **READ_ERRORS},
    auth=PUBLIC_AUTH,
    openapi_extra=PUBLIC_SECURITY,
    summary="A community",
    description=(
        "A community with the rules in force. Unlisted communities are visible to their "
        "members only."
    ),
)
def community_detail(request, slug: Slug):
    return _detail_out(request, paths.community_visible(request, slug))


@router.get(
    "/{slug}/rules",
    response={200: RulesOut, **READ_ERRORS},
    auth=PUBLIC_AUTH,
    openapi_extra=PUBLIC_SECURITY,
    summary="The rules in force",
)
def rules_current(request, slug: Slug):
    """The current rulebook version, its values and what each rule means."""
    community = paths.community_visible(request, slug)
    version = communities_selectors.rulebook_current(community)
    values = {**{key: rule.default for key, rule in RULES.items()}, **version.values}
    return {
        "version": version.number,
        "adopted_at": version.created_at,
        "reason": version.reason,
        "source": version.source,
        "values": values,
        "definitions": [
            {
                "key": rule.key,
                "label": rule.label,
                "help": rule.help,
                "kind": rule.kind,
                "default": rule.default,
                "minimum": rule.minimum,
                "maximum": rule.maximum,
                "unit": rule.unit,
                "choices": [{"value": value, "label": label} for value, label in rule.choices],
                "area": rule.area,
                "coordinator_may_change": access.coordinator_may_change(values, rule.key),
            }
            for rule in RULES.values()
        ],
    }


@router.get(
    "/{slug}/rules/versions",
    response={200: RuleVersionPage, **READ_ERRORS},
    summary="Rulebook history",
)
def rules_versions(request, slug: Slug, page: Query[PageParams]):
    """Every version of the rulebook, newest first, with who changed it and why. Members only."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    rows, next_cursor = keyset_page(
        communities_selectors.rulebook_history(community),
        fields=("number",),
        kinds=(key_int,),
        cursor=page.cursor,
        limit=page.limit,
        descending=True,
    )
    return {"items": [_version_out(v) for v in rows], "next_cursor": next_cursor}


@router.post(
    "/{slug}/rules/versions",
    response={201: RuleVersionOut, **WRITE_ERRORS},
    summary="Change the rules",
)
def rules_change(request, slug: Slug, payload: RuleChangeIn):
    """Adopt a new rulebook version. Coordinators and stewards only."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    access.access_manage_rules(request.user, community)
    version = communities_services.rulebook_change(
        actor=request.user,
        community=community,
        changes=payload.changes.model_dump(exclude_unset=True),
        reason=payload.reason,
    )
    return Status(201, _version_out(version))
