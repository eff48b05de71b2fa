from django.apps import AppConfig


class TweetsConfig(AppConfig):
    name = "tweets"
    verbose_name = "Drafts and publishing"

    def ready(self) -> None:
        # banners clears the cached freeze banner when a freeze changes; receivers mails about held posts.
        from tweets import banners, receivers  # noqa: F401
