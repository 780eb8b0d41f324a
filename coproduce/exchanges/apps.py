from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "coproduce.exchanges"
    label = "exchanges"
    verbose_name = "Exchanges"

    def ready(self) -> None:
        # The weekly digest (notifications) lists the new offers and requests that fit a person;
        # exchanges hands it the selector, so notifications never imports exchanges.
        from coproduce.notifications.services import digest

        from .selectors import listings

        digest.digest_source_set(listings.listings_for_digest)
