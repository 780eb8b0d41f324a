"""Reading request bodies and query strings strictly, so bad input is a 4xx and never a 500.

Bodies must be JSON objects sent as `application/json` (415 otherwise; this also keeps cross-site
HTML forms out; a list, string, number or null at the top is a 422). Text may not hold NUL
characters or lone surrogates, which PostgreSQL and UTF-8 cannot store; `NaN` and `Infinity` are not
JSON and are refused too."""

from __future__ import annotations

import json
from typing import Any

from ninja.parser import Parser

from coproduce.core.errors import ApplicationError, ValidationFailed


class MalformedBody(ApplicationError):
    status = 400
    code = "malformed_json"


class UnsupportedMediaType(ApplicationError):
    status = 415
    code = "unsupported_media_type"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(data: Any) -> None:
    """Raise ValidationFailed if any string (or key) in a JSON value cannot be stored."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if _bad_text(value):
                raise ValidationFailed(
                    "Text may not contain NUL characters or unpaired surrogates.",
                    fields={where or "__all__": ["Contains characters that cannot be stored."]},
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                name = where or str(key)
                stack.append((name, key))
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((where, item) for item in value)


class StrictJsonParser(Parser):
    def parse_body(self, request):
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType(
                "Send the request body as JSON with Content-Type: application/json."
            )
        try:
            data = json.loads(request.body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise MalformedBody("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            # Every body in the API is an object (a test holds the OpenAPI document to that).
            # ninja's schemas would otherwise read a list, a string or a number as an object with no
            # fields.
            raise ValidationFailed(
                'The request body must be a JSON object, such as {"name": "value"}.',
                fields={"__all__": ["Expected a JSON object."]},
            )
        check_text(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            # Uploaded files (request.FILES comes through here too) are checked by their service.
            if _bad_text(key) or any(isinstance(v, str) and _bad_text(v) for v in values):
                raise ValidationFailed(
                    "Query parameters may not contain NUL characters.",
                    fields={
                        key if not _bad_text(key) else "__all__": [
                            "Contains characters that cannot be stored."
                        ]
                    },
                )
        return super().parse_querydict(data, list_fields, request)
