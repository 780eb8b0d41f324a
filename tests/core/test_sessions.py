"""The hot reads of every signed-in request, written out as statements built once
(core/sessions.py, communities.selectors.sign_in.SignInBackend.get_user): the same answers as
Django's own code, in one statement each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.communities.models import Person
from coproduce.communities.selectors.sign_in import SignInBackend
from coproduce.core import sessions

pytestmark = pytest.mark.django_db


def test_the_site_uses_it():
    assert settings.SESSION_ENGINE == "coproduce.core.sessions"


def saved(data, *, expires_in=dt.timedelta(days=1)) -> str:
    store = django_db.SessionStore()
    store.update(data)
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def both(key):
    ours, theirs = sessions.SessionStore(key), django_db.SessionStore(key)
    return (dict(ours.items()), ours.session_key), (dict(theirs.items()), theirs.session_key)


def test_a_live_session_loads_as_djangos_does_in_one_statement():
    key = saved({"_auth_user_id": "7", "note": "é <b>", "n": [1, 2]})
    store = sessions.SessionStore(key)
    with CaptureQueriesContext(connection) as queries:
        loaded = dict(store.items())
    assert len(queries.captured_queries) == 1
    assert "django_session" in queries.captured_queries[0]["sql"]
    ours, theirs = both(key)
    assert ours == theirs == (loaded, key)
    assert loaded["note"] == "é <b>"


@pytest.mark.parametrize(
    "key",
    ["", None, "no-such-session-key-at-all", "short"],
)
def test_a_missing_key_loads_empty_and_loses_its_key_as_djangos_does(key):
    saved({"a": 1})
    ours, theirs = both(key)
    assert ours == theirs
    assert ours[0] == {} and ours[1] is None


@pytest.mark.parametrize(
    "expires_in", [dt.timedelta(seconds=-1), dt.timedelta(days=-30), dt.timedelta(seconds=5)]
)
def test_expiry_is_judged_as_djangos_is(expires_in):
    key = saved({"a": 1}, expires_in=expires_in)
    ours, theirs = both(key)
    assert ours == theirs
    assert (ours[0] == {"a": 1}) is (expires_in > dt.timedelta(0))


def test_writing_and_ending_a_session_are_djangos(client, member):
    client.force_login(member)
    key = client.session.session_key
    assert dict(sessions.SessionStore(key).items())["_auth_user_id"] == str(member.pk)
    client.logout()
    assert dict(sessions.SessionStore(key).items()) == {}


def test_get_user_reads_the_person_as_django_does_in_one_statement(member):
    backend = SignInBackend()
    with CaptureQueriesContext(connection) as queries:
        ours = backend.get_user(str(member.pk))
    assert len(queries.captured_queries) == 1
    theirs = ModelBackend().get_user(str(member.pk))

    def row(person):
        return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}

    assert ours == theirs == member
    assert row(ours) == row(theirs)
    assert ours.get_deferred_fields() == set()
    with CaptureQueriesContext(connection) as queries:
        ours.availability, ours.contact_preferences, ours.date_joined  # noqa: B018
    assert queries.captured_queries == []


def test_get_user_finds_nobody_where_django_finds_nobody(member):
    assert SignInBackend().get_user("999999") is None
    assert ModelBackend().get_user("999999") is None


@pytest.mark.parametrize("user_id", ["not a number", "", None, "1.5"])
def test_get_user_finds_nobody_for_an_id_that_is_no_number(member, user_id):
    """(Django's own raises ValueError for some of these; a session only ever holds an id.)"""
    assert SignInBackend().get_user(user_id) is None


def test_get_user_refuses_an_inactive_person_as_django_does(member):
    Person.objects.filter(pk=member.pk).update(is_active=False)
    assert SignInBackend().get_user(member.pk) is None
    assert ModelBackend().get_user(member.pk) is None
