"""phase-1 compatibility: removed by the importer rewrite. The rule definitions now live in
`selectors/rules.py`."""

from .selectors.rules import ACTIVITY_TYPES, RULES, VETTING_LEVELS, default_rules, validate_rules

__all__ = [  # phase-1 compatibility: removed by the importer rewrite
    "ACTIVITY_TYPES",
    "RULES",
    "VETTING_LEVELS",
    "default_rules",
    "validate_rules",
]
