from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "coproduce.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        # People a member has blocked are never suggested to them as helpers; messaging owns
        # blocks and hands the rule to matching, so exchanges never imports messaging.
        from coproduce.exchanges.selectors import matching

        from .selectors import blocks

        matching.people_hidden_from_set(blocks.blocked_by)
