"""Shapes shared by every area of the API: the one error format and typed path parameters."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Header, Path, Schema
from pydantic import AfterValidator, Field

from coproduce.core import limits

MAX_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1


class ErrorBody(Schema):
    code: str = Field(
        description="Stable, machine-readable reason, e.g. `not_found`, `duplicate_application`."
    )
    message: str = Field(description="A sentence for people.")
    fields: dict[str, list[str]] = Field(
        description="Problems with particular fields of the request, if any."
    )


class Error(Schema):
    error: ErrorBody


# Every operation documents these; reads cannot conflict or receive a body.
READ_ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 404: Error, 422: Error}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    415: Error,
    422: Error,
}

Slug = Annotated[
    str,
    Path(
        ...,
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=60,
        description="The community's web address name.",
    ),
]
MemberNumber = Annotated[
    int, Path(..., ge=1, le=MAX_NUMBER, description="Member number, e.g. 42 for RIV-0042.")
]
ObjectId = Annotated[int, Path(..., ge=1, le=MAX_ID)]

# Writes that move hours carry the client's key; see the API description.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IdempotencyKey = Annotated[
    str,
    Header(
        ...,
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=80,
        pattern=r"^[!-~]+$",
        description=(
            "A value you choose, unique for each write (a UUID is best); send it again unchanged "
            "when you retry. The same key and request answer with the original result; the same "
            "key with another request is refused with 409 `idempotency_key_reused`. Keys are yours "
            "alone: other people's keys never clash with yours. Example: "
            "`5f0c2a4e-8d1b-4c3e-9a57-0b6f1e2d3c4b`."
        ),
    ),
]

# Integer minutes: 1.5, "60" and true are refused, not rounded or converted.
Minutes = Annotated[
    int, Field(strict=True, ge=1, le=MAX_NUMBER, description="Whole minutes, more than zero.")
]

# A member, by member number: "RIV-0042", or 42.
MemberRef = Annotated[
    Annotated[int, Field(strict=True, ge=1, le=MAX_NUMBER)]
    | Annotated[
        str,
        Field(strict=True, pattern=r"^([A-Za-z]{1,10}-)?[0-9]{1,9}$", max_length=limits.MEMBER_REF),
    ],
    Field(description='A member number, as "RIV-0042" or 42.', examples=["RIV-0042"]),
]


def _email(value: str) -> str:
    value = value.strip().lower()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("Enter a valid email address.") from None
    return value


# An email address, or "" for none.
OptionalEmail = Annotated[
    str,
    Field(max_length=limits.EMAIL, json_schema_extra={"format": "email"}),
    AfterValidator(_email),
]
Email = Annotated[
    str,
    Field(min_length=3, max_length=limits.EMAIL, json_schema_extra={"format": "email"}),
    AfterValidator(_email),
]
