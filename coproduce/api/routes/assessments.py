"""The co-production self-assessment of an agency.

It lives under `agencies/{agency_slug}/assessments`: the agency's staff and admins (and
coordinators) fill it in and read its history. None of these writes moves hours, so none needs an
`Idempotency-Key`. Texts are stored as written: escape them when you show them in HTML."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Path, Router, Schema, Status
from pydantic import Field

from coproduce.coproduction.access import access_staff_work
from coproduce.coproduction.models import Principle
from coproduce.coproduction.selectors import assessments as assessments_selectors
from coproduce.coproduction.services import assessments as assessments_services
from coproduce.core import limits
from coproduce.core.errors import ValidationFailed

from .. import paths
from ..schemas import READ_ERRORS, WRITE_ERRORS, Slug

# The tag it had while it lived in referrals.py, so the API's documentation groups it as before.
router = Router(tags=["referrals and self-assessment"])

AgencySlug = Annotated[
    str,
    Path(
        ...,
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=80,
        description="The agency's web address name, e.g. `riverside-health-centre`.",
    ),
]
PrincipleName = Literal[
    "assets", "capacity", "mutuality", "peer_networks", "blurring_roles", "catalysts"
]
LevelName = Literal["individual", "service", "organisation"]


# Shapes --------------------------------------------------------------------------------------


class ScoreIn(Schema):
    principle: PrincipleName
    level: LevelName
    score: int = Field(
        strict=True,
        ge=0,
        le=4,
        description="0 not yet, 1 starting, 2 developing, 3 established, 4 leading.",
    )
    evidence: str = Field("", max_length=limits.SHORT_NOTE)


class AssessmentIn(Schema):
    completed_on: dt.date = Field(description="When it was done; not in the future.")
    scores: list[ScoreIn] = Field(
        max_length=18,
        description="All 18: each principle at each level, once. "
        "A missing one is refused with 422 naming it.",
    )
    note: str = Field("", max_length=limits.TEXT)


class ScoreOut(Schema):
    principle: PrincipleName
    level: LevelName
    score: int
    evidence: str


class AssessmentOut(Schema):
    id: int
    completed_on: dt.date
    completed_by: str = Field(description="The display name of who filled it in.")
    note: str
    created_at: dt.datetime
    total: int = Field(description="Sum of the 18 scores (at most 72).")
    averages: dict[str, float] = Field(description="Each principle's mean over the three levels.")
    scores: list[ScoreOut]


class AssessmentList(Schema):
    items: list[AssessmentOut] = Field(
        description="Oldest first, so the scores read as a time series."
    )


# Helpers -------------------------------------------------------------------------------------


def _member_community(request, slug: str):
    community = paths.community(request, slug)
    paths.member_community(request, community)
    return community


def _agency(request, slug: str, agency_slug: str):
    community = _member_community(request, slug)
    agency = assessments_selectors.assessment_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    return community, agency


def _assessment_out(sitting: assessments_selectors.Sitting) -> dict:
    a = sitting.assessment
    return {
        "id": a.pk,
        "completed_on": a.completed_on,
        "completed_by": a.completed_by.display_name,
        "note": a.note,
        "created_at": a.created_at,
        "total": sitting.total,
        "averages": {principle: sitting.average(principle) for principle in Principle.values},
        "scores": [
            {
                "principle": p,
                "level": level,
                "score": sitting.scores[(p, level)],
                "evidence": sitting.evidence.get((p, level), ""),
            }
            for p, level in assessments_selectors.PAIRS
            if (p, level) in sitting.scores
        ],
    }


# Self-assessment -------------------------------------------------------------------------------


@router.get(
    "/{slug}/agencies/{agency_slug}/assessments",
    response={200: AssessmentList, **READ_ERRORS},
    summary="An agency's co-production self-assessments (its staff and coordinators)",
)
def assessment_list(request, slug: Slug, agency_slug: AgencySlug):
    _community, agency = _agency(request, slug, agency_slug)
    return {"items": [_assessment_out(s) for s in assessments_selectors.assessment_history(agency)]}


@router.post(
    "/{slug}/agencies/{agency_slug}/assessments",
    response={201: AssessmentOut, **WRITE_ERRORS},
    summary="Record a sitting of the co-production self-assessment (its staff and coordinators)",
)
def assessment_create(request, slug: Slug, agency_slug: AgencySlug, payload: AssessmentIn):
    """All 18 scores (six principles × three levels), each 0-4. 422 naming each missing score
    (`principle.level`), a score given twice, or a date in the future; nothing is stored."""
    _community, agency = _agency(request, slug, agency_slug)
    scores: dict[tuple[str, str], int] = {}
    evidence: dict[tuple[str, str], str] = {}
    twice = []
    for item in payload.scores:
        pair = (item.principle, item.level)
        if pair in scores:
            twice.append(assessments_selectors.score_key(*pair))
        scores[pair] = item.score
        if item.evidence:
            evidence[pair] = item.evidence
    if twice:
        raise ValidationFailed(
            "Give each principle at each level once.",
            fields={"scores": [f"Given twice: {', '.join(twice)}."]},
        )
    made = assessments_services.assessment_create(
        actor=request.user,
        agency=agency,
        completed_on=payload.completed_on,
        scores=scores,
        evidence=evidence,
        note=payload.note,
    )
    return Status(201, _assessment_out(assessments_selectors.assessment_get(agency, made.pk)))
