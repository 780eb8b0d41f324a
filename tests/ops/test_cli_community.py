"""`coproduce community create`: an operator creates a community from the command line."""

from __future__ import annotations

import pytest
from django.core import mail

from coproduce.communities import access
from coproduce.communities.models import Community, Membership, Person, RulebookVersion
from coproduce.core.models import AuditEvent

from .test_cli import run_cli


def everything() -> tuple:
    return (
        Community.objects.count(),
        RulebookVersion.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def create(*extra) -> list[str]:
    return [
        "community",
        "create",
        "--name",
        "Docks Time Bank",
        "--slug",
        "docks",
        "--prefix",
        "DOC",
        *extra,
    ]


def test_it_is_listed_in_the_help():
    from coproduce import cli

    assert "community" in cli.COMMANDS


def test_it_creates_a_community_with_a_new_coordinator(
    db, capsys, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = run_cli(
            create("--coordinator-email", "bea@docks.example", "--coordinator-name", "Bea Baker"),
            capsys,
            monkeypatch,
        )
    assert code == 0, err
    assert (
        "Created Docks Time Bank: /c/docks/" in out
        and "First coordinator: Bea Baker (DOC-0001)." in out
    )
    community = Community.objects.get(slug="docks")
    assert access.is_coordinator(Person.objects.get(email="bea@docks.example"), community)
    assert [m.to for m in mail.outbox] == [["bea@docks.example"]]
    event = AuditEvent.objects.get(action="community.found")
    assert event.actor_id is None and event.note == "coproduce community create"


def test_it_gives_an_existing_person_the_role(member, capsys, monkeypatch):
    code, out, _err = run_cli(
        create("--coordinator-email", "member@riverside.example"), capsys, monkeypatch
    )
    assert code == 0 and "First coordinator: Mo Member (DOC-0001)." in out
    assert access.is_coordinator(member, Community.objects.get(slug="docks"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--slug", "riverside"],
            "A community with that web address already exists.\n  --slug: Already taken.",
        ),
        (
            ["--prefix", "RIV"],
            "Another community uses that member number prefix.\n  --prefix: Already taken.",
        ),
        (["--slug", "Docks Town"], "--slug: Use lower-case letters, digits and single hyphens"),
        (["--prefix", "D"], "--prefix: Use 2 to 5 letters"),
        (
            ["--coordinator-email", "new@docks.example"],
            "--coordinator-name: Nobody has this email address yet: give the coordinator's name",
        ),
        (["--coordinator-email", "nope"], "--coordinator-email: Give an email address"),
    ],
)
def test_it_refuses_bad_input_clearly_and_creates_nothing(
    community, capsys, monkeypatch, args, message
):
    before = everything()
    argv = create()
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    assert code == 1
    assert message in err and "Traceback" not in err and out == ""
    assert everything() == before


def test_it_needs_the_name_slug_and_prefix(db, capsys, monkeypatch):
    code, _out, err = run_cli(["community", "create", "--name", "Docks"], capsys, monkeypatch)
    assert code != 0 and "--slug" in err and "Traceback" not in err
    assert not Community.objects.exists()
