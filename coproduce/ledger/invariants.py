"""phase-1 compatibility: removed by the importer rewrite. The audit is selectors/audit.py."""

from .selectors.audit import AuditReport, ledger_audit

__all__ = ["AuditReport", "ledger_audit"]
