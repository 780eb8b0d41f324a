from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "coproduce.ledger"
    label = "ledger"
    verbose_name = "Hours ledger"

    def ready(self) -> None:
        # A leaving member's hours account is closed in the same transaction as their leaving;
        # communities calls the hook and so never imports the ledger.
        from coproduce.communities.services import offboarding

        from .services import accounts

        offboarding.leaving_hook_add(accounts.member_account_close)
