"""Phase-1 compatibility shim: `coproduction.referral_tasks` is now `tasks.py` (one jobs module for
the app). New code imports those; the importer rewrite deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .tasks import (  # noqa: F401
    referrals_minimise,
)
