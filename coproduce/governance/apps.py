from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coproduce.governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # The suspension refusal says when a suspension ends; sanctions are governance's, so it
        # hands communities the reader (communities imports no other app).
        from coproduce.communities import access as community_access

        from .selectors import sanctions as sanctions_selectors

        community_access.suspension_ends_reader_set(sanctions_selectors.suspension_ends)

        # The weekly digest tells what each person's communities are deciding.
        from coproduce.notifications.services import digest

        from .selectors import digest as digest_selectors

        digest.digest_news_set(digest_selectors.governance_news)
