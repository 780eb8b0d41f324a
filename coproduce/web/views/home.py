"""A member's home page: kept short and plain, with big links to the few things people do."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from coproduce.communities import selectors

from ..middleware import SignedInRequest, acting_target


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    person = acting_target(request)
    return render(request, "web/home.html", {"home": selectors.member_home(person), "person": person})
