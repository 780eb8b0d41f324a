"""`coproduce community create`: an operator creates a community from the command line.

    coproduce community create --name "Riverside Time Bank" --slug riverside --prefix RIV \\
        [--area "The streets around the old docks."] \\
        [--coordinator-email bernie@example.org [--coordinator-name "Bernie Walsh"]]

The same service as the operator's web page and `POST /api/v1/communities`
(`services.community_found`): the founding rules, and the first coordinator named by email (a
person with that email gets the role; a new email gets an account with the role and the welcome
email, and then needs `--coordinator-name`). Whoever runs it has the server's shell, so it acts as
the install itself; the audit row says it came from this command. Bad input prints what is wrong,
creates nothing and exits 1."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ApplicationError

# The service's field names as this command's options, for its refusals.
FLAGS = {
    "name": "--name",
    "slug": "--slug",
    "member_prefix": "--prefix",
    "area_description": "--area",
    "coordinator_email": "--coordinator-email",
    "coordinator_name": "--coordinator-name",
}


class Command(BaseCommand):
    help = "Create a community and name its first coordinator."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, title="actions", metavar="{create}"
        )
        create = actions.add_parser("create", help="Create a community with the founding rules.")
        create.add_argument(
            "--name", required=True, help="Its name, such as 'Riverside Time Bank'."
        )
        create.add_argument(
            "--slug",
            required=True,
            help="Its web address name (after /c/): lower-case letters, digits and hyphens.",
        )
        create.add_argument(
            "--prefix", required=True, help="2 to 5 letters before member numbers, such as RIV."
        )
        create.add_argument("--area", default="", help="The area it covers, in a sentence or two.")
        create.add_argument(
            "--coordinator-email",
            default="",
            help="Its first coordinator: an existing person's email, or a new one (an account is "
            "made and sent the welcome email).",
        )
        create.add_argument(
            "--coordinator-name",
            default="",
            help="The first coordinator's name, needed when the email is new.",
        )

    def handle(self, *args, action, **options):
        try:
            community, membership = communities_services.community_found(
                actor=None,
                name=options["name"],
                slug=options["slug"],
                member_prefix=options["prefix"],
                area_description=options["area"],
                coordinator_email=options["coordinator_email"],
                coordinator_name=options["coordinator_name"],
            )
        except ApplicationError as exc:
            notes = [
                f"  {FLAGS.get(field, field)}: {' '.join(said)}"
                for field, said in exc.fields.items()
            ]
            raise CommandError("\n".join([exc.message, *notes])) from None
        self.stdout.write(
            f"Created {community.name}: /c/{community.slug}/ (member numbers "
            f"{community.member_prefix}-0001 onwards)."
        )
        if membership is None:
            self.stdout.write(
                "No coordinator yet: give a member the coordinator role from their page."
            )
        else:
            self.stdout.write(
                f"First coordinator: {membership.person.display_name} ({membership.member_code})."
            )
