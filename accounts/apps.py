from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Teams and accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401
        from accounts.banners import activity_grant_banner_keys, activity_grant_banners
        from core import banners, freshness

        banners.register(activity_grant_banners, cache_keys=activity_grant_banner_keys)

        freshness.watch("teams", "accounts.Team", "accounts.Membership", "accounts.TwitterAccount")
