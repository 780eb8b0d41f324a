from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coproduce.web"
    label = "web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sign_in import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="coproduce.web.sign_in")
