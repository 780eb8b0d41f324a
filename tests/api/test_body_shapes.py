"""A body whose top level is not what the schema says is a 422 in the one error format and changes
nothing, for every operation in the OpenAPI document that takes a JSON body; and the bounds the
code enforces are written in the schema, so clients can read them."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from . import test_schema
from .conftest import apply, assert_error, key_header

# The schema test's fixtures: a small community with a row behind every path parameter.
world = test_schema.world
same_connection = test_schema.same_connection

SHAPES = ["[null, null]", "null", '"x"', "1"]


def _document(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _json_operations(document: dict) -> list[tuple[str, str, dict]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method, path, operation))
    return found


def database_state() -> dict:
    """Every row of every table of the project (the time a token was last used aside)."""
    state = {}
    for model in apps.get_models():
        if not model.__module__.startswith("coproduce."):
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_used_at"]
        state[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return state


def _fill(path: str, world: dict) -> str:
    values = {
        "slug": "riverside",
        "number": world["member_number"],
        "application_id": world["application_ids"][0],
        "exchange_id": world["exchange_ids"][0],
        "account_id": world["account_ids"][2],
        "transfer_id": world["transfer_ids"][0],
        "listing_id": world["listing_ids"][0],
        "conversation_id": world["conversation_ids"][0],
        "message_id": world["message_ids"][0],
        "image_id": world["image_ids"][0],
        "session_id": world["session_ids"][0],
        "signup_id": world["signup_ids"][0],
        "role_id": world["role_ids"][0],
        "partner_id": world["partner_ids"][0],
        "referral_id": world["referral_ids"][0],
        "agency_slug": world["agency_slug"],
        "token": world["reference_token"],
        "reference_id": 1,
        "token_id": 1,
        "commitment_id": 1,
        "project": 1,  # a budget round's project
    }
    filled = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    assert "{" not in filled, f"Add the path parameter of {path} to _fill."
    return filled


@pytest.fixture
def reference_token(community, coordinator) -> str:
    from coproduce.communities.services import references as references_services

    application = apply(community, full_name="Rae Referenced", email="rae@example.org")
    _reference, token = references_services.reference_request(
        actor=coordinator,
        application=application,
        referee_name="Ruth",
        referee_email="ruth@example.org",
    )
    return token


def test_it_refuses_a_body_that_is_not_an_object_on_every_operation(client, world, reference_token):
    world = {**world, "reference_token": reference_token}
    document = _document(client)
    operations = _json_operations(document)
    assert len(operations) > 50  # the walk reaches the whole API
    before = database_state()
    for method, path, operation in operations:
        url = _fill(path, world)
        headers = dict(world["headers"])
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            headers = key_header(headers)
        for body in SHAPES:
            response = client.generic(
                method.upper(), url, data=body, content_type="application/json", headers=headers
            )
            where = f"{method.upper()} {path} with {body}"
            assert response.status_code == 422, (where, response.content[:300])
            assert_error(response, 422, "validation_failed")
    assert database_state() == before


def test_it_documents_every_json_body_as_an_object(client, db):
    """The parser refuses any other top level, so the schema must say the same."""
    document = _document(client)
    for method, path, operation in _json_operations(document):
        schema = _resolve(
            document, operation["requestBody"]["content"]["application/json"]["schema"]
        )
        kinds = [_resolve(document, s) for s in schema.get("anyOf", [schema])]
        objects = [s for s in kinds if s.get("type") == "object"]
        others = [s for s in kinds if s.get("type") not in ("object", "null")]
        assert objects and not others, f"{method.upper()} {path}: the body must be a JSON object"
        if any(s.get("type") == "null" for s in kinds):
            assert not operation["requestBody"].get("required"), (
                f"{method.upper()} {path}: optional body"
            )


# Bounds the code enforces, as they must appear in the OpenAPI document: (method, path, where,
# name, {keyword: value}). `where` is a parameter's `in` or "body" (a property of the body's
# schema).
KNOWN_BOUNDS = [
    (
        "get",
        "/api/v1/communities/{slug}/listings/{listing_id}/matches",
        "query",
        "limit",
        {"minimum": 1, "maximum": 50},
    ),
    (
        "get",
        "/api/v1/communities/{slug}/listings",
        "query",
        "within_km",
        {"exclusiveMinimum": 0, "maximum": 200},
    ),
    ("get", "/api/v1/communities/{slug}/listings", "query", "q", {"maxLength": 200}),
    (
        "get",
        "/api/v1/communities/{slug}/listings",
        "query",
        "limit",
        {"minimum": 1, "maximum": 100},
    ),
    ("get", "/api/v1/communities/{slug}/members", "query", "limit", {"minimum": 1, "maximum": 200}),
    (
        "get",
        "/api/v1/communities/{slug}/exchanges",
        "query",
        "limit",
        {"minimum": 1, "maximum": 200},
    ),
    ("get", "/api/v1/communities/{slug}/roles", "query", "q", {"maxLength": 200}),
    (
        "post",
        "/api/v1/communities/{slug}/exchanges",
        "header",
        "Idempotency-Key",
        {"minLength": 1, "maxLength": 80},
    ),
    ("post", "/api/v1/communities/{slug}/exchanges", "body", "minutes", {"minimum": 1}),
    ("post", "/api/v1/communities/{slug}/exchanges", "body", "note", {"maxLength": 5000}),
    (
        "post",
        "/api/v1/communities/{slug}/exchanges",
        "body",
        "providers",
        {"minItems": 1, "maxItems": 60},
    ),
    ("post", "/api/v1/communities/{slug}/applications", "body", "about", {"maxLength": 5000}),
    ("post", "/api/v1/communities/{slug}/applications", "body", "full_name", {"maxLength": 150}),
    ("post", "/api/v1/communities/{slug}/listings", "body", "title", {"maxLength": 120}),
    ("post", "/api/v1/communities/{slug}/listings", "body", "description", {"maxLength": 4000}),
    (
        "post",
        "/api/v1/communities/{slug}/sessions",
        "body",
        "capacity",
        {"minimum": 1, "maximum": 500},
    ),
    (
        "post",
        "/api/v1/communities/{slug}/sessions/series",
        "body",
        "duration_minutes",
        {"minimum": 1, "maximum": 1440},
    ),
    (
        "post",
        "/api/v1/communities/{slug}/sessions/series",
        "body",
        "rrule",
        {"minLength": 1, "maxLength": 300},
    ),
    ("post", "/api/v1/communities/{slug}/sessions", "body", "staff_present", {"maxItems": 50}),
    (
        "put",
        "/api/v1/communities/{slug}/sessions/{session_id}/attendance",
        "body",
        "lines",
        {"maxItems": 500},
    ),
    (
        "post",
        "/api/v1/communities/{slug}/partners/{partner_id}/redemptions",
        "body",
        "adults",
        {"minimum": 0, "maximum": 20},
    ),
    ("put", "/api/v1/me/gift-profile", "body", "gifts", {"maxItems": 60}),
    ("post", "/api/v1/communities/{slug}/conversations", "body", "body", {"maxLength": 4000}),
    ("post", "/api/v1/references/{token}/answer", "body", "answer", {"maxLength": 5000}),
]


def _bounds(document: dict, schema: dict) -> dict:
    """The keywords of a property, looking through `anyOf` (optional values) and `$ref`."""
    schema = _resolve(document, schema)
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    for option in schema.get("anyOf", []):
        option = _resolve(document, option)
        if option.get("type") != "null":
            merged.update(option)
    return merged


@pytest.mark.parametrize(
    ("method", "path", "where", "name", "expected"),
    KNOWN_BOUNDS,
    ids=[f"{m} {p} {n}" for m, p, _w, n, _e in KNOWN_BOUNDS],
)
def test_it_writes_the_bounds_it_enforces_in_the_schema(
    client, db, method, path, where, name, expected
):
    document = _document(client)
    operation = document["paths"][path][method]
    if where == "body":
        body = _resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])
        body = next(
            (_resolve(document, s) for s in body.get("anyOf", [body]) if s.get("type") != "null"),
            body,
        )
        schema = body["properties"][name]
    else:
        schema = next(
            p["schema"] for p in operation["parameters"] if p["in"] == where and p["name"] == name
        )
    found = _bounds(document, schema)
    assert {k: found.get(k) for k in expected} == expected, (
        f"{method.upper()} {path} {name}: {found}"
    )
