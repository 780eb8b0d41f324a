"""Reported conversations, for the community's coordinators."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch

from coproduce.core.errors import NotFound

from ..models import Conversation, Report


def reported_conversations(community) -> list[Any]:
    """Conversations of the community with a reported message, those with reports still open
    first, each with its reports (`report_list`, with the message and people). Three queries."""
    reports = Report.objects.select_related("message__sender", "reporter", "handled_by").order_by(
        "created_at", "id"
    )
    found: list[Any] = list(
        Conversation.objects.filter(community=community)
        .filter(Exists(Report.objects.filter(conversation=OuterRef("pk"))))
        .annotate(
            open=Exists(Report.objects.filter(conversation=OuterRef("pk"), handled_at__isnull=True))
        )
        .select_related("starter", "recipient")
        .prefetch_related(Prefetch("reports", queryset=reports, to_attr="report_list"))
        .order_by("-open", "-last_message_at", "-id")
    )
    return found


def report_get(community, report_id: int) -> Report:
    report = (
        Report.objects.filter(pk=report_id, conversation__community=community)
        .select_related("conversation__community")
        .first()
    )
    if report is None:
        raise NotFound("No such report.")
    return report
