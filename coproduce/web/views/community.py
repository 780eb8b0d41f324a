"""A community's own page and its rulebook."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coproduce.communities import access
from coproduce.communities.access import coordinator_may_change
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors.rules import RULES
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ValidationFailed
from coproduce.governance.selectors import proposals as proposals_selectors

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.community import RulesForm
from ..middleware import SignedInRequest


@login_required
@community_view
@require_GET
def community(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    rules = communities_selectors.rules_for(community)
    return render(
        request,
        "web/community/community.html",
        {
            "community": community,
            "rules": [(rule, rules.get(key)) for key, rule in RULES.items()],
            "is_coordinator": access.is_coordinator(request.user, community),
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def rulebook(request: SignedInRequest, community) -> HttpResponse:
    """The rulebook's history for members; coordinators and stewards also change it here."""
    access.access_community(request.user, community)
    current = communities_selectors.rules_for(community)
    status = 200
    if request.method == "POST":
        access.access_manage_rules(request.user, community)
        form = RulesForm(request.POST, current=current)
        if form.is_valid():
            try:
                version = communities_services.rulebook_change(
                    actor=request.user,
                    community=community,
                    changes=form.rule_values(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationFailed as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("The rules have changed: this is version %(number)s.")
                    % {"number": version.number},
                )
                return redirect("web:rulebook", community.slug)
        status = 400
    else:
        form = RulesForm(current=current)
    decided_by = proposals_selectors.decisions_behind_versions(community)
    return render(
        request,
        "web/community/rulebook.html",
        {
            "community": community,
            "history": [
                (entry, decided_by.get(entry.version.pk))
                for entry in communities_selectors.rulebook_history_with_changes(community)
            ],
            "by_decision": [
                (key, current[key]) for key in RULES if not coordinator_may_change(current, key)
            ],
            "form": form if access.can_manage_rules(request.user, community) else None,
        },
        status=status,
    )
