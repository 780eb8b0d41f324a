"""phase-1 compatibility: removed by the importer rewrite. The digest is services/digest.py
(and selectors/digest.py for whose digest is due)."""

from .selectors.digest import people_due
from .services.digest import digest_send, digests_send

__all__ = ["digest_send", "digests_send", "people_due"]
