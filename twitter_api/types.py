"""Plain data the rest of Dovecote gets from X: never tweepy objects."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

# X's ids are "snowflakes": milliseconds since this epoch, shifted left 22 bits.
TWITTER_EPOCH_MS = 1288834974657


def snowflake_time(post_id: str | int) -> datetime:
    """When X minted an id (accurate to the millisecond for every id since late 2010)."""
    ms = (int(post_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def snowflake_for(when: datetime, sequence: int = 0) -> int:
    ms = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
    return (ms << 22) | (sequence & 0x3FFFFF)


@dataclass(frozen=True)
class XUser:
    id: str
    username: str
    name: str
    verified: bool = False
    followers_count: int = 0


@dataclass(frozen=True)
class XProfile:
    """What an account's profile says (name, handle, bio, picture, link): what the takeover tripwire compares.
    A field X did not send (or sent as something other than text) is None: not known, rather than empty."""

    id: str
    username: str | None = None
    name: str | None = None
    description: str | None = None
    profile_image_url: str | None = None
    url: str | None = None

    FIELDS = ("name", "username", "description", "profile_image_url", "url")

    def as_dict(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in self.FIELDS}


@dataclass(frozen=True)
class XPost:
    id: str
    text: str
    author_id: str
    created_at: datetime
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    reply_to_post_id: str | None = None
    lang: str | None = None
    is_retweet: bool = False
    quoted_post_id: str | None = None  # the post it quotes (referenced_tweets "quoted")
    entities: dict = field(default_factory=dict, hash=False)  # a dict cannot be hashed; it still compares
    author: XUser | None = None


@dataclass(frozen=True)
class XPage:
    """What a paginated read returned. `truncated` is True when the page budget ran out before X did."""

    posts: list[XPost]
    newest_id: str | None
    pages_read: int
    posts_read: int
    truncated: bool = False
