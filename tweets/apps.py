from django.apps import AppConfig


class TweetsConfig(AppConfig):
    name = "tweets"
    verbose_name = "Drafts and publishing"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from core import banners, freshness
        from tweets import banners as tweets_banners
        from tweets import (
            coverage,  # noqa: F401  (queues live coverage's next post when one goes out)
            receivers,  # noqa: F401  (mails about held posts)
            retention,
        )

        # Nothing of an account on legal hold is deleted, whoever asks (tweets.retention).
        for model in retention.GUARDED:
            pre_delete.connect(retention.refuse_while_held, sender=model, dispatch_uid=f"legal_hold.{model.__name__}")

        # A freeze changes what approving does ("Approve and publish now" or not), shown with the drafts.
        freshness.watch("drafts", "tweets.Draft", "tweets.DraftRevision", "tweets.Approval", "tweets.PublishingFreeze")
        freshness.watch("freezes", "tweets.PublishingFreeze")
        banners.register(
            tweets_banners.freeze_banners, cache_keys=tweets_banners.freeze_banner_keys, topics=tweets_banners.TOPICS
        )

        from tweets import selectors
        from twitter_api import replies

        replies.register_lookup(selectors.own_post_target)  # our own posts: a thread answers itself
