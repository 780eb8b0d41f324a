"""Writes of messaging, a module per area: `conversations` (start, reply, writing for a member),
`introductions`, `pass_on` (messages carried to members who are offline), `blocks`, `reports`."""

# phase-1 compatibility: removed by the importer rewrite
from .blocks import member_block, member_unblock
from .conversations import conversation_start, message_send
from .introductions import introduction_make
from .pass_on import message_passed_on
from .reports import message_report, report_handle

__all__ = [
    "conversation_start", "introduction_make", "member_block", "member_unblock", "message_passed_on",
    "message_report", "message_send", "report_handle",
]
