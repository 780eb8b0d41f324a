"""Every text field has a limit, and the same limit in the web and the API.

(a) every CharField of every form in coproduce.web has a max_length (the form classes' fields,
    and any CharField made in code, such as in a form's __init__);
(b) every string in every request body of the OpenAPI document has a maxLength;
(c) a web field and an API field standing for the same thing (the same model field) have the same
    limit, no longer than the model's column.
The limits come from coproduce/core/limits.py: the failure messages say which one to use."""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps

import coproduce.web
from coproduce.core import limits

WEB = Path(coproduce.web.__file__).parent
CHAR_FIELDS = {"CharField", "EmailField", "URLField", "SlugField", "RegexField"}
HOW = (
    "use a limit from coproduce/core/limits.py by what the field is (e.g. limits.LINE = 200 for "
    "one line, limits.TEXT = 2000 for a reason or note, limits.LONG_TEXT = 5000 for a long text), "
    "and the same one in the API schema for the same field"
)


def _web_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(coproduce.web.__path__, "coproduce.web."):
        importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("coproduce.web."):
                found.add(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def test_it_walks_the_web_forms():
    names = {c.__qualname__ for c in _web_form_classes()}
    assert {"ApplicationForm", "RecordForm", "ListingForm", "AgencyForm", "ReferralForm"} <= names


def test_it_limits_every_text_field_of_every_web_form():
    missing = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in _web_form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert not missing, f"CharFields without max_length: {missing}; {HOW}."


def test_it_limits_every_text_field_made_in_code():
    """Fields added in a form's __init__ or by a helper are not in base_fields: read the source."""
    missing = []
    for path in sorted(WEB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            passes_kwargs = any(k.arg is None for k in node.keywords)
            if (
                name in CHAR_FIELDS
                and not passes_kwargs
                and "max_length" not in {k.arg for k in node.keywords}
            ):
                missing.append(f"{path.relative_to(WEB.parent.parent)}:{node.lineno} {name}")
    assert not missing, f"Text fields made without max_length: {missing}; {HOW}."


# (b) The API -----------------------------------------------------------------------------------


@functools.cache
def _openapi() -> dict:
    from coproduce.api.urls import api

    return api.get_openapi_schema()


def _resolve(document: dict, schema: dict) -> tuple[dict, str | None]:
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema, name


def _strings(document: dict, schema: dict, where: str, seen: frozenset = frozenset()):
    """(where, schema) for every string a request body may hold, through $ref, anyOf and arrays."""
    schema, name = _resolve(document, schema)
    if name in seen:
        return
    if name:
        seen, where = seen | {name}, name
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _strings(document, option, where, seen)
    for prop, sub in schema.get("properties", {}).items():
        yield from _strings(document, sub, f"{where}.{prop}", seen)
    if schema.get("type") == "array":
        yield from _strings(document, schema.get("items", {}), f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _strings(document, schema["additionalProperties"], f"{where}.*", seen)
    if schema.get("type") == "string":
        yield where, schema


def _unbounded(schema: dict) -> bool:
    if "enum" in schema or "const" in schema:
        return False
    if schema.get("format") in {"date", "date-time", "time", "binary"}:
        return False
    return "maxLength" not in schema


def test_it_limits_every_string_of_every_request_body():
    document = _openapi()
    missing = set()
    bodies = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                bodies += 1
                for where, schema in _strings(
                    document, content["schema"], f"{method.upper()} {path}"
                ):
                    if _unbounded(schema):
                        missing.add(where)
    assert bodies > 50
    assert not missing, f"Strings in request bodies without maxLength: {sorted(missing)}; {HOW}."


# (c) The same field in both --------------------------------------------------------------------

# (web form, its field, API schema (a component's name, or "METHOD path" for a multipart body),
#  its property ("name[]" for the items of a list), the model field "app.Model.field" or None)
SAME_FIELD = [
    (
        "forms.public.ApplicationForm",
        "full_name",
        "ApplicationIn",
        "full_name",
        "communities.Application.full_name",
    ),
    (
        "forms.public.ApplicationForm",
        "email",
        "ApplicationIn",
        "email",
        "communities.Application.email",
    ),
    (
        "forms.public.ApplicationForm",
        "phone",
        "ApplicationIn",
        "phone",
        "communities.Application.phone",
    ),
    (
        "forms.public.ApplicationForm",
        "neighbourhood",
        "ApplicationIn",
        "neighbourhood",
        "communities.Application.neighbourhood",
    ),
    (
        "forms.public.ApplicationForm",
        "about",
        "ApplicationIn",
        "about",
        "communities.Application.about",
    ),
    (
        "forms.public.ReferenceAnswerForm",
        "answer",
        "ReferenceAnswerIn",
        "answer",
        "communities.Reference.answer",
    ),
    (
        "forms.profile.GiftProfileForm",
        "languages",
        "GiftProfileIn",
        "languages",
        "communities.Person.languages",
    ),
    (
        "forms.profile.GiftProfileForm",
        "accessibility_needs",
        "GiftProfileIn",
        "accessibility_needs",
        "communities.Person.accessibility_needs",
    ),
    ("forms.account.TokenForm", "name", "TokenIn", "name", "communities.AccessToken.name"),
    ("forms.common.ReasonForm", "reason", "OffboardIn", "reason", None),
    ("forms.common.ReasonForm", "reason", "ReasonIn", "reason", "exchanges.Exchange.decision_note"),
    (
        "forms.community.RulesForm",
        "reason",
        "RuleChangeIn",
        "reason",
        "communities.RulebookVersion.reason",
    ),
    (
        "forms.members.VettingCheckForm",
        "reference_number",
        "CheckIn",
        "reference_number",
        "communities.Check.reference_number",
    ),
    ("forms.members.VettingCheckForm", "note", "CheckIn", "note", "communities.Check.note"),
    (
        "forms.coordination.ApplicationNoteForm",
        "text",
        "NoteIn",
        "text",
        "communities.CoordinatorNote.text",
    ),
    (
        "forms.coordination.ReferenceRequestForm",
        "referee_name",
        "ReferenceIn",
        "referee_name",
        "communities.Reference.referee_name",
    ),
    (
        "forms.coordination.ReferenceRequestForm",
        "referee_email",
        "ReferenceIn",
        "referee_email",
        "communities.Reference.referee_email",
    ),
    (
        "forms.coordination.ReferenceRequestForm",
        "relationship",
        "ReferenceIn",
        "relationship",
        "communities.Reference.relationship",
    ),
    (
        "forms.coordination.ApproveForm",
        "reason",
        "ApproveIn",
        "reason",
        "communities.Application.decision_reason",
    ),
    (
        "forms.coordination.ApproveForm",
        "reason",
        "DeclineIn",
        "reason",
        "communities.Application.decision_reason",
    ),
    ("forms.exchanges.RecordForm", "title", "RecordIn", "title", "exchanges.Exchange.title"),
    (
        "forms.exchanges.RecordForm",
        "category",
        "RecordIn",
        "category",
        "exchanges.Exchange.category",
    ),
    ("forms.exchanges.RecordForm", "note", "RecordIn", "note", "exchanges.Exchange.note"),
    ("forms.exchanges.RecordForm", "expense_note", "ExpenseIO", "note", "exchanges.Expense.note"),
    (
        "forms.exchanges.RecordForm",
        "expense_currency",
        "ExpenseIO",
        "currency",
        "exchanges.Expense.currency",
    ),
    ("forms.exchanges.EntryForm", "note", "EntryIn", "note", "exchanges.Exchange.note"),
    (
        "forms.exchanges.EntryForm",
        "slip_number",
        "EntryIn",
        "slip_number",
        "exchanges.Exchange.slip_number",
    ),
    ("forms.ledger.DonateForm", "note", "DonationIn", "note", "ledger.Transfer.memo"),
    ("forms.ledger.GrantForm", "reason", "GrantIn", "reason", "ledger.Transfer.memo"),
    ("forms.exchanges.SettleForm", "note", "SettleIn", "note", "exchanges.Exchange.decision_note"),
    (
        "forms.exchanges.ExchangeReferenceForm",
        "text",
        "ExchangeReferenceIn",
        "text",
        "exchanges.ExchangeReference.text",
    ),
    ("forms.listings.ListingForm", "title", "ListingIn", "title", "exchanges.Listing.title"),
    (
        "forms.listings.ListingForm",
        "description",
        "ListingIn",
        "description",
        "exchanges.Listing.description",
    ),
    (
        "forms.listings.ListingForm",
        "neighbourhood",
        "ListingIn",
        "neighbourhood",
        "exchanges.Listing.neighbourhood",
    ),
    (
        "forms.listings.ListingImageForm",
        "alt_text",
        "POST /api/v1/communities/{slug}/listings/{listing_id}/images",
        "alt_text",
        "exchanges.ListingImage.alt_text",
    ),
    ("forms.listings.CloseListingForm", "reason", "CloseIn", "reason", None),
    ("forms.listings.CategoryForm", "name", "CategoryIn", "name", "exchanges.Category.name"),
    ("forms.messaging.MessageForm", "body", "MessageIn", "body", "messaging.Message.body"),
    ("forms.messaging.MessageForm", "body", "ConversationIn", "body", "messaging.Message.body"),
    (
        "forms.messaging.ReportForm",
        "reason",
        "MessageReportIn",
        "reason",
        "messaging.Report.reason",
    ),
    (
        "forms.coordination.IntroductionForm",
        "note",
        "IntroductionIn",
        "note",
        "messaging.Introduction.note",
    ),
    (
        "forms.coordination.PassedOnForm",
        "how",
        "PassedOnIn",
        "how",
        "messaging.Message.passed_on_how",
    ),
    (
        "forms.coordination.ConcernCloseForm",
        "outcome",
        "ConcernCloseIn",
        "outcome",
        "exchanges.ExchangeReference.concern_outcome",
    ),
    ("forms.agencies.AgencyForm", "name", "AgencyIn", "name", "coproduction.Agency.name"),
    (
        "forms.agencies.AgencyForm",
        "description",
        "AgencyIn",
        "description",
        "coproduction.Agency.description",
    ),
    ("forms.agencies.AgencyForm", "place", "AgencyIn", "place", "coproduction.Agency.place"),
    ("forms.agencies.AgencyForm", "website", "AgencyIn", "website", "coproduction.Agency.website"),
    (
        "forms.agencies.StaffForm",
        "job_title",
        "StaffIn",
        "job_title",
        "coproduction.AgencyMembership.job_title",
    ),
    (
        "forms.agencies.CoproductionRoleForm",
        "title",
        "RoleIn",
        "title",
        "coproduction.CoproductionRole.title",
    ),
    (
        "forms.agencies.CoproductionRoleForm",
        "description",
        "RoleIn",
        "description",
        "coproduction.CoproductionRole.description",
    ),
    (
        "forms.agencies.CoproductionRoleForm",
        "commitment",
        "RoleIn",
        "commitment",
        "coproduction.CoproductionRole.commitment",
    ),
    ("forms.agencies.TrainingForm", "name", "RoleIn", "training[]", None),
    (
        "forms.assessments.AssessmentForm",
        "note",
        "AssessmentIn",
        "note",
        "coproduction.Assessment.note",
    ),
    ("forms.partners.PartnerForm", "name", "PartnerIn", "name", "coproduction.SpendPartner.name"),
    (
        "forms.partners.PartnerForm",
        "place",
        "PartnerIn",
        "place",
        "coproduction.SpendPartner.place",
    ),
    (
        "forms.partners.PartnerForm",
        "description",
        "PartnerIn",
        "description",
        "coproduction.SpendPartner.description",
    ),
    ("forms.partners.OfferForm", "title", "OfferIn", "title", "coproduction.PartnerOffer.title"),
    ("forms.partners.RedeemForm", "member_ref", "RedemptionIn", "member", None),
    (
        "forms.referrals.ReferralForm",
        "group_name",
        "ReferralIn",
        "group_name",
        "coproduction.Referral.group_name",
    ),
    (
        "forms.referrals.ReferralForm",
        "full_name",
        "ReferralIn",
        "full_name",
        "coproduction.Referral.full_name",
    ),
    ("forms.referrals.ReferralForm", "phone", "ReferralIn", "phone", "coproduction.Referral.phone"),
    ("forms.referrals.ReferralForm", "email", "ReferralIn", "email", "coproduction.Referral.email"),
    (
        "forms.referrals.ReferralForm",
        "what_matters",
        "ReferralIn",
        "what_matters",
        "coproduction.Referral.what_matters",
    ),
    (
        "forms.referrals.ReferralForm",
        "consent_note",
        "ReferralIn",
        "consent_note",
        "coproduction.Referral.consent_note",
    ),
    ("forms.referrals.StatusForm", "note", "ReferralStatusIn", "note", None),
    ("forms.sessions.SessionForm", "place", "SessionIn", "place", "coproduction.Session.place"),
    (
        "forms.sessions.SeriesForm",
        "place",
        "SessionSeriesIn",
        "place",
        "coproduction.SessionSeries.place",
    ),
    (
        "forms.sessions.SeriesForm",
        "rrule",
        "SessionSeriesIn",
        "rrule",
        "coproduction.SessionSeries.rrule",
    ),
    ("forms.sessions.CancelSessionForm", "reason", "SessionCancelIn", "reason", None),
]


def _form_field(path: str, name: str) -> forms.Field:
    module, _, cls_name = f"coproduce.web.{path}".rpartition(".")
    cls = getattr(importlib.import_module(module), cls_name)
    if name in cls.base_fields:
        return cls.base_fields[name]
    # Made in __init__: build the form with what it needs.
    place = SimpleNamespace(timezone="Europe/London", name="Riverside")
    needs = {"RulesForm": {"current": {}}, "EntryForm": {"community": place, "slip": True}}
    return cls(**needs.get(cls_name, {})).fields[name]


def _api_limit(document: dict, schema: str, prop: str) -> int | None:
    if " " in schema:
        method, path = schema.split(" ", 1)
        content = document["paths"][path][method.lower()]["requestBody"]["content"]
        found, _ = _resolve(document, next(iter(content.values()))["schema"])
    else:
        found = document["components"]["schemas"][schema]
    item = prop.endswith("[]")
    value, _ = _resolve(document, found["properties"][prop.removesuffix("[]")])
    for option in value.get("anyOf", [value]):
        option, _ = _resolve(document, option)
        if item and option.get("type") == "array":
            option, _ = _resolve(document, option["items"])
        if option.get("type") == "string":
            return option.get("maxLength")
    return None


def _model_limit(label: str) -> int | None:
    app_model, _, field = label.rpartition(".")
    return apps.get_model(app_model)._meta.get_field(field).max_length


@pytest.mark.parametrize(
    ("form", "field", "schema", "prop", "model"),
    SAME_FIELD,
    ids=[f"{f}.{n}-{s}.{p}" for f, n, s, p, _m in SAME_FIELD],
)
def test_it_gives_the_same_field_the_same_limit_in_the_web_and_the_api(
    form, field, schema, prop, model
):
    web = _form_field(form, field).max_length
    api = _api_limit(_openapi(), schema, prop)
    assert web is not None and web == api, (
        f"coproduce.web.{form}.{field} has max_length={web} but the API's {schema}.{prop} has "
        f"maxLength={api}; give both the same limit from coproduce/core/limits.py"
    )
    column = _model_limit(model) if model else None
    assert column is None or web <= column, (
        f"{form}.{field}: {web} is longer than the column {model} ({column})"
    )


def test_it_keeps_the_limits_of_long_texts():
    assert limits.LONG_TEXT == 5000 and limits.TEXT == 2000 and limits.DESCRIPTION == 4000
