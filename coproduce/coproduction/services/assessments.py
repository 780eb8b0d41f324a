"""The NEF co-production self-assessment: an agency scores itself 0-4 on each of the six
principles at three levels (individual, service, organisation), with optional evidence, and
repeats it over time to see how it changes. The one write (atomic, audited, refused with
nothing stored); the principles' words and the sittings are read in selectors/assessments.py."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone

from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import ValidationFailed

from ..access import access_staff_work
from ..models import Agency, Assessment, AssessmentScore
from ..selectors.assessments import PAIRS, pair_label, score_key


def _controls(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in {"\n", "\r", "\t"} for ch in text)


def assessment_create(
    *,
    actor: Actor,
    agency: Agency,
    completed_on: dt.date,
    scores: dict[tuple[str, str], Any],
    evidence: dict[tuple[str, str], str] | None = None,
    note: str = "",
) -> Assessment:
    """One sitting of the self-assessment: all 18 scores (six principles at three levels), each
    a whole number 0-4, with optional evidence for each and a note. Agency staff and admins (and
    the community's coordinators) fill it in. Raises NotFound (outsiders), PermissionDenied
    (`not_agency_staff`), ValidationFailed naming each missing, unknown or out-of-range score
    (`scores.<principle>.<level>`), a future or missing date, over-long evidence or note.
    Nothing is stored when refused."""
    access_staff_work(actor, agency)
    evidence = evidence or {}
    errors: dict[str, list[str]] = {}
    if not isinstance(scores, dict):
        scores = {}
    missing = [pair for pair in PAIRS if scores.get(pair) is None]
    for pair in PAIRS:
        value = scores.get(pair)
        if value is None:
            errors[score_key(*pair)] = ["Choose a score from 0 (not yet) to 4 (leading)."]
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
            errors[score_key(*pair)] = [
                "A score is a whole number from 0 (not yet) to 4 (leading)."
            ]
    for pair in set(scores) | set(evidence):
        if pair not in PAIRS:
            errors["scores"] = [f"Unknown principle or level: {pair!r}."]
    clean_evidence: dict[tuple[str, str], str] = {}
    for pair, text in evidence.items():
        text = (text or "").strip() if isinstance(text, str) or text is None else None
        if text is None:
            errors[f"evidence.{score_key(*pair)}" if pair in PAIRS else "evidence"] = [
                "Enter text."
            ]
        elif len(text) > 500:
            errors[f"evidence.{score_key(*pair)}"] = [
                f"At most 500 characters (this is {len(text)})."
            ]
        elif _controls(text):
            errors[f"evidence.{score_key(*pair)}"] = ["Remove the control characters."]
        elif text:
            clean_evidence[pair] = text
    note = (note or "").strip() if isinstance(note, str) or note is None else ""
    if len(note) > 2000:
        errors["note"] = [f"At most 2000 characters (this is {len(note)})."]
    elif _controls(note):
        errors["note"] = ["Remove the control characters."]
    if not isinstance(completed_on, dt.date) or isinstance(completed_on, dt.datetime):
        errors["completed_on"] = ["Give the date it was done."]
    elif completed_on > timezone.localdate() + dt.timedelta(days=1):
        errors["completed_on"] = ["The date cannot be in the future."]
    elif completed_on.year < 2000:
        errors["completed_on"] = ["Give a date from 2000 on."]
    if errors:
        if missing:
            names = ", ".join(pair_label(*pair) for pair in missing)
            message = f"Give a score for every principle at every level. Missing: {names}."
        else:
            message = "Please correct the self-assessment."
        raise ValidationFailed(message, fields=errors)
    with transaction.atomic(durable=True):
        assessment = Assessment.objects.create(
            agency=agency, completed_by=actor, completed_on=completed_on, note=note
        )
        AssessmentScore.objects.bulk_create(
            [
                AssessmentScore(
                    assessment=assessment,
                    principle=p,
                    level=level,
                    score=scores[(p, level)],
                    evidence=clean_evidence.get((p, level), ""),
                )
                for p, level in PAIRS
            ]
        )
        audit_record(
            actor=actor,
            action="assessment.create",
            subject=assessment,
            community_id=agency.community_id,
            changes={
                "completed_on": [None, completed_on],
                "scores": [None, {score_key(*pair): scores[pair] for pair in PAIRS}],
            },
        )
    return assessment
