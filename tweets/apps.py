from django.apps import AppConfig


class TweetsConfig(AppConfig):
    name = "tweets"
    verbose_name = "Drafts and publishing"

    def ready(self) -> None:
        from tweets import banners  # noqa: F401  (clears the cached freeze banner when a freeze changes)
