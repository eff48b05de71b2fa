"""When X says no for money (twitter_api.errors.CreditsExhausted): what is blocked, and until when.

The first refusal opens a block (a CreditsBlock row; one open per scope): every call when the credits are used up,
reads of posts when the monthly read cap is reached. While it is open, publishing claims nothing and monitoring
polls nothing of that kind; nothing is retried on a timer, because nothing will succeed until credits are added
in X's developer console. An admin then says so (`blocks_restore`, through accounts.services, which audits it),
which closes the blocks and sends `credits_restored` after commit: tweets publishes what waited, and monitoring's
cursors are due again at once. Admins see a banner on every page while a block is open (`credits_banners`).
"""

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core import freshness
from twitter_api.errors import CreditsExhausted
from twitter_api.models import CreditsBlock

# Sent after commit when an admin says credits are restored: kwargs `blocks` (the blocks closed).
credits_restored = Signal()

BANNER_KEY = "dovecote:x-credits-banner:kept"  # (generations, banners): core.freshness.kept
# The banner is kept in the cache while the blocks' generation stays the same (core.freshness.kept), read with it.
BANNER_TOPICS = ("credits",)


def blocked(*, reads: bool) -> CreditsBlock | None:
    """The open block that stops this kind of call (reads of posts, or anything else), or None."""
    return CreditsBlock.objects.blocking(reads=reads).order_by("started_at").first()


def block_record(*, exc: CreditsExhausted, endpoint: str = "", reads: bool = False) -> tuple[CreditsBlock, bool]:
    """Open the block X's refusal calls for, unless one is open: (the block, whether it is new). A 429 usage cap on
    a read is the monthly read cap (reads only); anything else means the credits are used up (every call)."""
    scope = CreditsBlock.Scope.READS if reads and exc.usage_cap else CreditsBlock.Scope.ALL
    existing = CreditsBlock.objects.open().filter(scope=scope).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            block = CreditsBlock.objects.create(
                scope=scope, status_code=exc.status_code, detail=exc.detail[:300], endpoint=endpoint[:80]
            )
    except IntegrityError:  # another worker opened it first
        return CreditsBlock.objects.open().get(scope=scope), False
    return block, True


def blocks_restore(*, by, note: str = "") -> list[CreditsBlock]:
    """Close every open block (an admin says credits are back); `credits_restored` is sent after commit."""
    with transaction.atomic():
        blocks = list(CreditsBlock.objects.open().select_for_update().order_by("pk"))
        now = timezone.now()
        for block in blocks:
            block.restored_at, block.restored_by, block.restore_note = now, by, note
            block.save(update_fields=["restored_at", "restored_by", "restore_note"])
        if blocks:
            transaction.on_commit(lambda: credits_restored.send(sender=CreditsBlock, blocks=blocks))
    return blocks


# --- The banner (core.banners, registered in twitter_api.apps) -----------------------------------------------


def credits_banner_keys(user) -> list[str]:
    return [BANNER_KEY] if getattr(user, "is_admin", False) else []


def credits_banners(request: HttpRequest) -> list[dict]:
    """For admins, while X refuses for money: what stopped and what to do."""
    if not getattr(request.user, "is_admin", False):
        return []
    return freshness.kept(
        BANNER_KEY,
        BANNER_TOPICS,
        lambda: [_banner(block) for block in CreditsBlock.objects.open().order_by("started_at")],
    )


def _banner(block: CreditsBlock) -> dict:
    if block.scope == CreditsBlock.Scope.READS:
        title = "X's monthly read cap is reached"
        text = "Monitoring is paused: no mentions or searches are read until credits are restored."
    else:
        title = "X credits are used up"
        text = (
            "X is refusing every request: nothing is published (approved posts wait, they are not lost) and "
            "monitoring is paused."
        )
    return {
        "level": "warning",
        "title": title,
        "text": f"{text} Add credits in X's developer console, then say so here.",
        "url": reverse("accounts:x_credits"),
        "link_text": "X credits",
    }
