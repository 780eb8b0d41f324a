"""The one error envelope (core.errors.error_body) and ApplicationError.as_dict."""

from __future__ import annotations

import json

from django.test import Client

from coproduce.core.errors import Conflict, NotFound, error_body


def test_it_builds_the_envelope_with_empty_fields_by_default():
    assert error_body("not_found", "Not found.") == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_it_keeps_the_fields_given():
    body = error_body("validation_failed", "The request is not valid.", {"name": ["Required."]})
    assert body["error"]["fields"] == {"name": ["Required."]}


def test_it_is_what_an_application_error_answers_with():
    exc = Conflict("Already confirmed.", code="already_confirmed", fields={"x": ["No."]})
    assert exc.as_dict() == error_body("already_confirmed", "Already confirmed.", {"x": ["No."]})
    assert NotFound().as_dict() == error_body("not_found", "Not found.")


def test_it_is_byte_for_byte_what_the_api_answers(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert (
        response.content
        == json.dumps(
            error_body("not_found", "Not found. The API is described at /api/v1/docs.")
        ).encode()
    )
