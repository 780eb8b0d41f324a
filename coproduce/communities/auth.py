"""phase-1 compatibility: removed by the importer rewrite. The sign-in backend and its helpers
now live in `selectors/sign_in.py` (settings.AUTHENTICATION_BACKENDS points there)."""

from .selectors.sign_in import failed_sign_in_key, person_for_login

__all__ = ["failed_sign_in_key", "person_for_login"]  # phase-1 compatibility: removed by the importer rewrite
