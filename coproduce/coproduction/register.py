"""Phase-1 compatibility shim: `coproduction.register` is now `services/register.py` (writes) and
`selectors/register.py` (reads). New code imports those; the importer rewrite deletes this
module."""

# phase-1 compatibility: removed by the importer rewrite
from .selectors.register import (  # noqa: F401
    EXTRA_MINUTES,
    CreditPlan,
    Register,
    RegisterRow,
    credit_for,
    max_minutes,
    register_of,
    session_for_register,
    session_minutes,
    staff_choices,
)
from .services.register import (  # noqa: F401
    RegisterLine,
    register_confirm,
    register_save,
)
