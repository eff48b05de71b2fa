from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Teams and accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401
        from core import freshness

        freshness.watch("teams", "accounts.Team", "accounts.Membership", "accounts.TwitterAccount")
