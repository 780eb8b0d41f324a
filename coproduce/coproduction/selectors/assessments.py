"""The NEF co-production self-assessment: the reads. Its words (the scores, each principle and
level explained, the 18 principle-level pairs) and an agency's sittings with their scores, oldest
first. The write is in services/assessments.py."""

from __future__ import annotations

from dataclasses import dataclass

from coproduce.core.errors import NotFound

from ..models import Agency, Assessment, AssessmentLevel, Principle

SCORES = {0: "Not yet", 1: "Starting", 2: "Developing", 3: "Established", 4: "Leading"}
PRINCIPLE_HELP = {
    Principle.ASSETS: "People who use the service are seen as having something to give, not only "
    "needs to meet.",
    Principle.CAPACITY: "Support starts from what people can already do and helps them grow it.",
    Principle.MUTUALITY: "Staff and the people they work with each give and receive; everyone's "
    "time counts.",
    Principle.PEER_NETWORKS: "People are helped to support each other, alongside professionals.",
    Principle.BLURRING_ROLES: "The line between who gives and who receives a service is loosened: "
    "people plan and deliver it together.",
    Principle.CATALYSTS: "Staff help things happen and step back, rather than doing everything "
    "themselves.",
}
LEVEL_HELP: dict[str, str] = {
    AssessmentLevel.INDIVIDUAL: "how staff work with each person",
    AssessmentLevel.SERVICE: "how the service is planned and run",
    AssessmentLevel.ORGANISATION: "how the whole organisation works",
}
PAIRS: list[tuple[str, str]] = [
    (p, level) for p in Principle.values for level in AssessmentLevel.values
]


def score_key(principle: str, level: str) -> str:
    """How one score is named in errors and forms: `assets.individual`."""
    return f"{principle}.{level}"


def pair_label(principle: str, level: str) -> str:
    return f"{Principle(principle).label} ({AssessmentLevel(level).label.lower()} level)"


def assessment_agency(community, agency_slug: str) -> Agency:
    """An agency of the community by its slug. Raises NotFound."""
    found = Agency.objects.filter(community=community, slug=agency_slug).first()
    if found is None:
        raise NotFound("No such agency.")
    return found


@dataclass(frozen=True)
class Sitting:
    assessment: Assessment
    scores: dict[tuple[str, str], int]
    evidence: dict[tuple[str, str], str]

    def average(self, principle: str) -> float:
        """The principle's mean over the three levels."""
        values = [
            self.scores[(principle, level)]
            for level in AssessmentLevel.values
            if (principle, level) in self.scores
        ]
        return round(sum(values) / len(values), 2) if values else 0.0

    @property
    def total(self) -> int:
        return sum(self.scores.values())


def _sittings(found) -> list[Sitting]:
    return [
        Sitting(
            assessment=a,
            scores={(s.principle, s.level): s.score for s in a.scores.all()},
            evidence={(s.principle, s.level): s.evidence for s in a.scores.all() if s.evidence},
        )
        for a in found
    ]


def _assessments(agency: Agency):
    return (
        Assessment.objects.filter(agency=agency)
        .select_related("completed_by")
        .prefetch_related("scores")
        .order_by("completed_on", "id")
    )


def assessment_history(agency: Agency) -> list[Sitting]:
    """Every sitting of the agency's self-assessment, oldest first, with its scores (two
    queries)."""
    return _sittings(_assessments(agency))


def assessment_get(agency: Agency, assessment_id: int) -> Sitting:
    """One sitting of the agency's. Raises NotFound."""
    found = _sittings(_assessments(agency).filter(pk=assessment_id))
    if not found:
        raise NotFound("No such self-assessment.")
    return found[0]
