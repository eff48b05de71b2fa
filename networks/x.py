"""X as one provider: a thin adapter over `twitter_api`, which stays the only code that talks to X."""

from twitter_api import client, media
from twitter_api.types import XPage, XPost, XProfile


class XProvider:
    name = "x"
    label = "X"
    max_media = 4
    alt_text_limit = 1000

    def post_create(self, account, *, text, reply_to_id=None, media_ids=None, idempotency_key="", context="") -> XPost:
        # X has no idempotency key: the engine's reconciling (X refuses duplicate text) keeps it exactly once.
        return client.post_create(account, text=text, reply_to_id=reply_to_id, media_ids=media_ids, context=context)

    def post_delete(self, account, *, post_id, context="") -> None:
        client.post_delete(account, post_id=post_id, context=context)

    def recent_posts(self, account, *, context="") -> list[XPost]:
        return client.recent_posts(account, context=context)

    def media_upload(self, account, *, data, mime_type, alt_text, context="") -> str:
        uploaded = media.media_upload(
            account,
            chunks=[data],
            total_bytes=len(data),
            media_type=mime_type,
            category=media.CATEGORIES["image"],
            context=context or "publish",
        )
        if alt_text:
            media.media_alt_text(account, media_id=uploaded.id, text=alt_text, context=context or "publish")
        return uploaded.id

    def mentions_since(self, account, *, since_id=None, max_pages=5, context="") -> XPage:
        return client.mentions_since(account, since_id=since_id, max_pages=max_pages, context=context)

    def search(self, account, *, query, since_id=None, max_pages=5, context="") -> XPage:
        return client.search_recent(query, since_id=since_id, max_pages=max_pages, context=context)

    def profile(self, account, *, context="") -> XProfile:
        return client.user_profile(account, context=context)

    def post_url(self, account, post_id) -> str:
        return f"https://x.com/{account.handle}/status/{post_id}"


PROVIDER = XProvider()
