"""phase-1 compatibility: removed by the importer rewrite. One-time sign-in links and letter
codes now live in `services/sign_in.py` (writes) and `selectors/sign_in.py` (reads)."""

from .selectors.sign_in import sign_in_code_check, sign_in_link_check, sign_in_token_get, when
from .services.sign_in import (
    CODE_ALPHABET,
    password_set_first,
    sign_in_code_issue,
    sign_in_link_issue,
    sign_in_token_redeem,
)

__all__ = [  # phase-1 compatibility: removed by the importer rewrite
    "CODE_ALPHABET",
    "password_set_first",
    "sign_in_code_check",
    "sign_in_code_issue",
    "sign_in_link_check",
    "sign_in_link_issue",
    "sign_in_token_get",
    "sign_in_token_redeem",
    "when",
]
