"""Concurrent writers on a real PostgreSQL server (make test runs this file against one)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from coproduce.communities.models import Application, Membership, Person
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises all writers; concurrency is proven on PostgreSQL, which `make "
        "test` also runs",
    ),
]


def run_threads(n, target):
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - collected and reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_it_gives_each_new_member_a_distinct_number_under_concurrency(community):
    people = [
        Person.objects.create_user(email=f"p{i}@example.org", full_name=f"P {i}") for i in range(16)
    ]
    errors = run_threads(
        16,
        lambda i: memberships_services.membership_add(
            actor=None, community=community, person=people[i]
        ),
    )
    assert errors == []
    numbers = sorted(
        Membership.objects.filter(community=community).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 17))
    community.refresh_from_db()
    assert community.last_member_number == 16


def test_it_takes_one_application_when_the_same_person_applies_twice_at_once(community):
    errors = run_threads(
        8,
        lambda i: applications_services.application_submit(
            actor=None, community=community, full_name="Twin", email="twin@example.org"
        ),
    )
    assert Application.objects.filter(community=community).count() == 1
    assert len(errors) == 7
    assert all(isinstance(e, Conflict) for e in errors), errors


def test_it_never_gives_two_rulebook_versions_the_same_number(community):
    errors = run_threads(
        6,
        lambda i: communities_services.rulebook_change(
            actor=None,
            community=community,
            changes={"auto_confirm_days": 20 + i},
            reason=f"change {i}",
        ),
    )
    assert errors == []
    assert sorted(community.rulebook_versions.values_list("number", flat=True)) == list(range(1, 8))
