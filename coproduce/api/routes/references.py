"""The referee's side of a reference: the emailed link carries a secret token; no sign-in."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Path, Router, Schema
from pydantic import Field

from coproduce.communities.models import ReferenceOutcome, ReferenceStatus
from coproduce.communities.services import references as references_services
from coproduce.core import limits

from ..auth import PUBLIC_SECURITY, REFERENCE_LINK_AUTH
from ..schemas import WRITE_ERRORS

router = Router(tags=["references"])

LinkToken = Annotated[
    str,
    Path(
        ...,
        pattern=r"^[A-Za-z0-9_-]+$",
        max_length=100,
        description="The token from the emailed link.",
    ),
]


class ReferenceAnswerIn(Schema):
    outcome: ReferenceOutcome
    answer: str = Field(
        min_length=1,
        max_length=limits.LONG_TEXT,
        description="How you know the applicant, in a few sentences.",
    )


class ReferenceAnsweredOut(Schema):
    status: ReferenceStatus
    answered_at: dt.datetime


@router.post(
    "/{token}/answer",
    response={200: ReferenceAnsweredOut, **WRITE_ERRORS},
    auth=REFERENCE_LINK_AUTH,
    openapi_extra=PUBLIC_SECURITY,
    summary="Answer a reference request",
    description=(
        "For the referee. 404 for an unknown link; 409 `link_expired`, `already_answered`"
        " or `cancelled`."
    ),
)
def reference_answer(request, token: LinkToken, payload: ReferenceAnswerIn):
    reference = references_services.reference_answer(
        token=token, outcome=payload.outcome, answer=payload.answer
    )
    return {"status": reference.status, "answered_at": reference.answered_at}
