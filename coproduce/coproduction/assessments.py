"""Phase-1 compatibility shim: `coproduction.assessments` is now `services/assessments.py` (the
write) and `selectors/assessments.py` (reads). New code imports those; the importer rewrite
deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .selectors.assessments import (  # noqa: F401
    LEVEL_HELP,
    PAIRS,
    PRINCIPLE_HELP,
    SCORES,
    Sitting,
    assessment_agency,
    assessment_get,
    assessment_history,
    pair_label,
    score_key,
)
from .services.assessments import (  # noqa: F401
    assessment_create,
)
