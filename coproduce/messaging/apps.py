from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "coproduce.messaging"
    label = "messaging"
    verbose_name = "Messages"
