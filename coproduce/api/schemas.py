"""Shapes shared by every area of the API: the one error format and typed path parameters."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Path, Schema
from pydantic import AfterValidator, Field

MAX_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1


class ErrorBody(Schema):
    code: str = Field(description="Stable, machine-readable reason, e.g. `not_found`, `duplicate_application`.")
    message: str = Field(description="A sentence for people.")
    fields: dict[str, list[str]] = Field(description="Problems with particular fields of the request, if any.")


class Error(Schema):
    error: ErrorBody


# Every operation documents these; reads cannot conflict or receive a body.
READ_ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 404: Error, 422: Error}
WRITE_ERRORS: dict[int, type[Schema]] = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 415: Error, 422: Error}

Slug = Annotated[str, Path(..., pattern=r"^[-a-zA-Z0-9_]+$", max_length=60, description="The community's web address name.")]
MemberNumber = Annotated[int, Path(..., ge=1, le=MAX_NUMBER, description="Member number, e.g. 42 for RIV-0042.")]
ObjectId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


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
    str, Field(max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)
]
Email = Annotated[str, Field(min_length=3, max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)]
