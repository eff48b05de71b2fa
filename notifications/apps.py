from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from core import banners, notices
        from notifications import receivers  # noqa: F401  (connects the other apps' signals)
        from notifications.context_processors import count_cache_keys, count_with_banners
        from notifications.selectors import email_choosers

        # The emails the apps below send ask each person's choices through core.notices.
        notices.register(email_choosers)
        # The header's unread count is read with the banners, in their one round trip.
        banners.register(count_with_banners, cache_keys=count_cache_keys)
