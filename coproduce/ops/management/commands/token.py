"""`coproduce token`: personal access tokens for the API, from the command line.

    coproduce token create --email EMAIL [--name NAME] [--community SLUG]   # prints only the token
    coproduce token create --member RIV-0042
    coproduce token list --email EMAIL
    coproduce token revoke --email EMAIL --prefix cp_AbCdEfG

The person is named by email or member number; the token is created as if by the person
themselves (`services.token_create`), so it is audited like one made on the account page."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.table import Table

from coproduce.communities.models import Community, Membership, Person
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import tokens as tokens_selectors
from coproduce.communities.services import tokens as tokens_services
from coproduce.core.errors import ApplicationError
from coproduce.ops.console import render


def _who(parser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--email", help="The person's email address.")
    group.add_argument(
        "--member", help="The person's member number, e.g. RIV-0042 (for members without email)."
    )


class Command(BaseCommand):
    help = "Create, list or revoke a person's API access tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, title="actions", metavar="{create,list,revoke}"
        )
        create = actions.add_parser(
            "create", help="Create a token and print it (it is shown only once)."
        )
        _who(create)
        create.add_argument(
            "--name", default="Command line", help="A name to recognise the token by."
        )
        create.add_argument("--community", help="Limit the token to one community (its slug).")
        listing = actions.add_parser("list", help="List a person's tokens (never the secrets).")
        _who(listing)
        revoke = actions.add_parser(
            "revoke", help="Revoke a token by the prefix shown in `token list`."
        )
        _who(revoke)
        revoke.add_argument(
            "--prefix", required=True, help="The start of the token, as `token list` shows it."
        )

    def handle(self, *args, action, email=None, member=None, **options):
        person = self.find_person(email=email, member=member)
        try:
            if action == "create":
                self.create_token(
                    person, name=options["name"], community_slug=options.get("community")
                )
            elif action == "list":
                self.list_tokens(person)
            else:
                self.revoke_token(person, prefix=options["prefix"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def find_person(self, *, email: str | None, member: str | None) -> Person:
        if email is not None:
            person = Person.objects.filter(email__iexact=email.strip()).first()
            if person is None:
                raise CommandError(f"Nobody has the email address {email!r}.")
        else:
            code = member_refs_selectors.parse_member_code(member or "")
            if code is None:
                raise CommandError(f"{member!r} is not a member number; they look like RIV-0042.")
            membership = (
                Membership.objects.select_related("person")
                .filter(community__member_prefix=code[0], number=code[1])
                .first()
            )
            if membership is None:
                raise CommandError(f"There is no member {(member or '').strip().upper()}.")
            person = membership.person
        if not person.is_active:
            raise CommandError("This account is closed.")
        return person

    def create_token(self, person: Person, *, name: str, community_slug: str | None) -> None:
        community: Community | None = None
        if community_slug:
            community = communities_selectors.community_get(community_slug)
        _, secret = tokens_services.token_create(
            actor=person, person=person, name=name, community=community
        )
        # Only the token on stdout, so `TOKEN=$(coproduce token create ...)` works.
        self.stdout.write(secret)
        self.stderr.write(
            f"Created a token for {person.display_name}. It is shown only once; keep it somewhere "
            "safe.",
        )

    def list_tokens(self, person: Person) -> None:
        tokens = list(tokens_selectors.tokens_of(person))
        if not tokens:
            self.stdout.write(f"{person.display_name} has no tokens.")
            return
        table = Table(title=f"Tokens of {person.display_name}", title_justify="left")
        for column in ("Prefix", "Name", "Community", "Created", "Last used", "Status"):
            table.add_column(column)
        for token in tokens:
            table.add_row(
                token.prefix,
                token.name,
                token.community.slug if token.community else "all",
                _when(token.created_at),
                _when(token.last_used_at) or "never",
                "active" if token.is_active else f"revoked {_when(token.revoked_at)}",
            )
        self.stdout.write(render(table))

    def revoke_token(self, person: Person, *, prefix: str) -> None:
        prefix = prefix.strip()
        if len(prefix) < 4:
            raise CommandError("Give at least the first 4 characters of the token.")
        matches = [
            t
            for t in tokens_selectors.tokens_of(person)
            if t.is_active and (t.prefix.startswith(prefix) or prefix.startswith(t.prefix))
        ]
        if not matches:
            raise CommandError(f"{person.display_name} has no active token starting {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(f"More than one active token starts {prefix!r}; give more of it.")
        tokens_services.token_revoke(actor=person, token=matches[0])
        self.stdout.write(f"Revoked the token {matches[0].prefix}… ({matches[0].name}).")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
