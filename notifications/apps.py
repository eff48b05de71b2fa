from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from core import notices
        from notifications import receivers  # noqa: F401  (connects the other apps' signals)
        from notifications.selectors import email_choosers

        # The emails the apps below send ask each person's choices through core.notices.
        notices.register(email_choosers)
