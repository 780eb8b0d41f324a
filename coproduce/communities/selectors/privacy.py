"""Privacy: the private fields, the wording each consent records, sensitive topics with
their consents, and everything held about a person as a download."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from coproduce.core.models import AuditEvent

from ..models import Application, Check, Consent, Membership, Person, SensitiveDatum, SensitiveField

PRIVATE_FIELDS = ("email", "phone", "address", "photo", "date_of_birth")

# What a person agrees to for each sensitive topic; a new consent records it (services.privacy).
CONSENT_WORDING: dict[str, str] = {
    SensitiveField.HEALTH: "I agree that coproduce may keep what I tell it about my health, to "
    "match me with the right help. Only coordinators of my communities can see it. I can withdraw "
    "this at any time and it will be deleted.",
    SensitiveField.ETHNICITY: "I agree that coproduce may keep my ethnicity, only to report "
    "anonymously on who the community reaches. I can withdraw this at any time and it will be "
    "deleted.",
    SensitiveField.INCOME: "I agree that coproduce may keep my household income band, only to "
    "report anonymously on who the community reaches. I can withdraw this at any time and it will "
    "be deleted.",
}


def person_data_export(person: Person) -> bytes:
    """Everything we hold about a person, as a zip of JSON and CSV files."""
    memberships = list(
        Membership.objects.filter(person=person)
        .select_related("community")
        .prefetch_related("roles")
    )
    profile = {
        "full_name": person.full_name,
        "known_as": person.known_as,
        "email": person.email,
        "username": person.username,
        "phone": person.phone,
        "address": person.address,
        "neighbourhood": person.neighbourhood,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "photo": person.photo.name if person.photo else None,
        "visibility": {f: getattr(person, f"{f}_visibility") for f in PRIVATE_FIELDS},
        "availability": person.availability,
        "languages": person.languages,
        "accessibility_needs": person.accessibility_needs,
        "contact_preferences": person.contact_preferences,
        "date_joined": person.date_joined.isoformat(),
    }
    data: dict[str, Any] = {
        "profile": profile,
        "memberships": [
            {
                "community": m.community.slug,
                "member_number": m.member_code,
                "status": m.status,
                "roles": sorted(r.role for r in m.roles.all()),
                "joined_at": m.joined_at.isoformat(),
            }
            for m in memberships
        ],
        "gifts": [{"kind": g.kind, "description": g.description} for g in person.gifts.all()],
        "consents": [
            {
                "topic": c.topic,
                "wording": c.wording,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in Consent.objects.filter(person=person)
        ],
        "sensitive_data": [
            {"field": d.field, "value": d.value}
            for d in SensitiveDatum.objects.filter(person=person)
        ],
        "applications": [
            {
                "community": a.community.slug,
                "status": a.status,
                "submitted_at": a.submitted_at.isoformat(),
                "about": a.about,
            }
            for a in Application.objects.filter(person=person).select_related("community")
        ],
        "checks": [
            {
                "community": c.community.slug,
                "kind": c.kind,
                "result": c.result,
                "checked_on": c.checked_on.isoformat(),
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            }
            for c in Check.objects.filter(person=person).select_related("community")
        ],
        "history": [
            {
                "at": e.created_at.isoformat(),
                "action": e.action,
                "subject": f"{e.subject_type}:{e.subject_id}",
                "changes": e.changes,
            }
            for e in AuditEvent.objects.filter(person_id=person.pk).order_by("created_at", "id")
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name in ("memberships", "gifts", "consents", "applications", "checks", "history"):
            rows = data[name]
            out = io.StringIO()
            if rows:
                writer = csv.DictWriter(out, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow(
                        {
                            k: json.dumps(v) if isinstance(v, (dict, list)) else v
                            for k, v in row.items()
                        }
                    )
            archive.writestr(f"{name}.csv", out.getvalue())
        archive.writestr(
            "README.txt",
            "Everything coproduce holds about you: my-data.json has it all; the CSV files hold the "
            "same lists as tables.\n",
        )
    return buffer.getvalue()


@dataclass
class SensitiveTopic:
    topic: str
    label: str
    wording: str  # what the person agreed to, or will agree to
    consent: Consent | None
    value: str


def sensitive_topics(person: Person) -> list[SensitiveTopic]:
    """Each sensitive field with its standing consent (if any) and stored value."""
    consents = {
        c.topic: c for c in Consent.objects.filter(person=person, withdrawn_at__isnull=True)
    }
    values = {d.field: d.value for d in SensitiveDatum.objects.filter(person=person)}
    return [
        SensitiveTopic(
            topic=topic,
            label=label,
            wording=consents[topic].wording if topic in consents else CONSENT_WORDING[topic],
            consent=consents.get(topic),
            value=values.get(topic, ""),
        )
        for topic, label in SensitiveField.choices
    ]
