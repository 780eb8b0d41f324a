"""A member's home page: kept short and plain, with big links to the few things people do. Agency
staff also find their agencies there, with what waits for them (registers to fill in, the next
sessions, referrals not yet taken up), each linking straight to where it is done."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction.selectors import dashboard as dashboard_selectors
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.ledger.selectors import accounts as accounts_selectors

from ..middleware import SignedInRequest, acting_target


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    person = acting_target(request)
    home = memberships_selectors.member_home(person)
    # Balance and hours waiting for an answer in each community, read once for all of them.
    balances = accounts_selectors.balances_of(person)
    waiting = exchanges_selectors.to_confirm_counts(person)
    communities = [
        (
            entry,
            balances.get(entry.membership.community_id, 0),
            waiting.get(entry.membership.community_id, 0),
        )
        for entry in home.memberships
    ]
    # Staff work is done as oneself: a coordinator acting for a member does not see their own here.
    staff = (
        []
        if request.acting_for
        else dashboard_selectors.staff_home(
            person, community_ids=[entry.membership.community_id for entry in home.memberships]
        )
    )
    return render(
        request,
        "web/home.html",
        {
            "home": home,
            "communities": communities,
            "person": person,
            "staff": staff,
        },
    )
