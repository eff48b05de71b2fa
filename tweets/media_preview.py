"""The preview of a draft as X will show it: each post of the thread in order, its text with links, mentions,
hashtags and cashtags marked (twitter_api.entities), its pictures with their alt text, its video with its
captions, and what it replies to. Built for the compose page (from the form) and the draft's page (from the
current revision)."""

from dataclasses import dataclass, field

from django.urls import reverse

from networks.text import check_for as text_check_for
from tweets.media import Attachment, revision_media
from tweets.media_models import MediaFile
from twitter_api.entities import segments
from twitter_api.text import validate_post_text


@dataclass
class PreviewMedia:
    kind: str
    url: str
    name: str
    alt_text: str = ""
    captions: str = ""  # the captions file's name
    captions_url: str = ""  # the captions as WebVTT, for the browser's <track>
    no_captions_reason: str = ""


@dataclass
class PreviewPost:
    number: int
    segments: list
    length: int
    media: list[PreviewMedia] = field(default_factory=list)

    @property
    def has_alt_text_missing(self) -> bool:
        return any(m.kind in ("image", "gif") and not m.alt_text for m in self.media)


def _medium(file: MediaFile, item: Attachment, captions: MediaFile | None) -> PreviewMedia:
    return PreviewMedia(
        kind=file.kind,
        url=reverse("tweets:media_file", args=[file.pk]),
        name=file.original_name,
        alt_text=item.alt_text,
        captions=captions.original_name if captions else "",
        captions_url=reverse("tweets:media_file", args=[captions.pk]) + "?format=vtt" if captions else "",
        no_captions_reason=item.no_captions_reason,
    )


def _length(account, text: str) -> int:
    """The post's length by its account's network's count (X's while no account is chosen)."""
    if not text:
        return 0
    return (text_check_for(account, text) if account is not None else validate_post_text(text)).weighted_length


def preview(*, account, posts: list[str], media: list[list[tuple[MediaFile, Attachment, MediaFile | None]]],
            in_reply_to_post_id: str = "") -> dict:  # fmt: skip
    """What the preview partial (templates/tweets/_preview.html) shows."""
    on_x = (getattr(account, "network", "") or "x") == "x"
    shown = []
    for index, text in enumerate(posts or [""]):
        items = media[index] if index < len(media) else []
        shown.append(
            PreviewPost(
                number=index + 1,
                segments=segments(text),
                length=_length(account, text),
                media=[_medium(file, item, captions) for file, item, captions in items],
            )
        )
    return {
        "account": account,
        "posts": shown,
        "in_reply_to_post_id": in_reply_to_post_id,
        # X's address for an X post only: a Bluesky or Mastodon reply's post is named by its network, not linked.
        "in_reply_to_url": f"https://x.com/i/status/{in_reply_to_post_id}" if in_reply_to_post_id and on_x else "",
        "in_reply_to_network": getattr(account, "network_label", "X"),
    }


def revision_preview(draft) -> dict:
    """The preview of a draft's current revision."""
    revision = draft.current_revision
    media = [
        [
            (
                row.media,
                Attachment(row.media_id, row.alt_text, row.captions_id, row.no_captions_reason),
                row.captions,
            )
            for row in rows
        ]
        for rows in revision_media(revision)
    ]
    return preview(
        account=draft.account,
        posts=draft.posts,
        media=media,
        in_reply_to_post_id=revision.in_reply_to_post_id if revision else "",
    )
