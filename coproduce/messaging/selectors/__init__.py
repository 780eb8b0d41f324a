"""Reads of messaging, a module per area: `conversations`, `reports`, `blocks`, `pass_on`,
`introductions`, and `broker` (the coordinators' "Needs a person" queue)."""

# phase-1 compatibility: removed by the importer rewrite
from .blocks import blocked_by
from .conversations import conversation_get, conversations_of, message_get
from .introductions import (
    introduction_counts,
    introduction_get,
    introductions_of,
    introductions_query,
)
from .pass_on import (
    message_to_pass_on_get,
    messages_to_pass_on,
    messages_waiting_count,
    pass_on_query,
    with_readers,
)
from .reports import report_get, reported_conversations

__all__ = [
    "blocked_by", "conversation_get", "conversations_of", "introduction_counts", "introduction_get",
    "introductions_of", "introductions_query", "message_get", "message_to_pass_on_get", "messages_to_pass_on",
    "messages_waiting_count", "pass_on_query", "report_get", "reported_conversations", "with_readers",
]
