from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coproduce.communities import selectors


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/index.html", {"communities": selectors.communities_listed()})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"memberships": selectors.memberships_of(request.user)})


def reference_answer(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError


def member_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    raise NotImplementedError
