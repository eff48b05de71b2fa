"""Deleting a published draft's posts from its network (X, Bluesky or Mastodon: networks.provider_for), for
tweets.services.draft_retract (which moves the draft).

Each post of the current revision that X accepted is deleted with DELETE /2/tweets/:id (twitter_api.client,
metered), the last post of a thread first so that what remains on X is always the start of the thread. Each
deletion is recorded on its PublishAttempt as it happens, so a retraction stopped part-way (X refused, the worker
died) carries on from where it was; a post X no longer has counts as deleted.
"""

from django.utils import timezone

from networks import provider_for
from tweets.models import Draft, PublishAttempt
from tweets.records import retraction_started
from twitter_api.errors import NotFound, XApiError


def posts_on_x(draft: Draft) -> list[PublishAttempt]:
    """The draft's posts X accepted and no retraction has removed yet, the last of the thread first."""
    return list(
        PublishAttempt.objects.filter(
            draft=draft,
            revision_id=draft.current_revision_id,
            state=PublishAttempt.State.SUCCEEDED,
            retracted_at__isnull=True,
        )
        .exclude(x_post_id="")
        .order_by("-position")
    )


def posts_delete(*, draft: Draft) -> int:
    """Delete the draft's posts from X; returns how many were still there. Raises DraftError (what to do next)
    when X refuses one: those deleted before it stay recorded."""
    from tweets.services import DraftError

    attempts = posts_on_x(draft)
    if not attempts and draft.published_post_id and not draft.attempts.filter(retracted_at__isnull=False).exists():
        # Published before attempts were kept per post (or by hand): the one id the draft knows.
        attempts = [PublishAttempt(draft=draft, position=0, x_post_id=draft.published_post_id)]
    deleted = 0
    provider = provider_for(draft.account)
    for done, attempt in enumerate(attempts):
        retraction_started(attempt.x_post_id)  # X's delete event for it is this retraction, not a deletion on X
        try:
            provider.post_delete(draft.account, post_id=attempt.x_post_id, context=f"retract draft {draft.pk}")
            deleted += 1
        except NotFound:
            pass  # already gone from X: that is what a retraction wants
        except XApiError as exc:
            which = f"post {attempt.position + 1} of the thread" if draft.is_thread else "the post"
            kept = f" {done} of its posts were deleted; retract again to delete the rest." if done else ""
            raise DraftError(f"{provider.label} did not delete {which}: {exc.message}{kept}") from exc
        if attempt.pk:
            PublishAttempt.objects.filter(pk=attempt.pk).update(retracted_at=timezone.now())
    return deleted
