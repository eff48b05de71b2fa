"""Which of an account's posts on X came out of Dovecote: asked by the takeover tripwire (safety), which treats
every other post on a governed account as possibly not the department's.

A post is Dovecote's when an attempt to publish it (tweets.publishing records each one BEFORE calling X) names its
X id, or a draft published it, or, for a post X has but whose attempt has no answer yet (in flight, unsure, or
failed without knowing), when an attempt on the same account sent the same text shortly before X says the post was
made. Direct-message replies never appear among an account's posts.
"""

import html
import re
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q

from tweets.models import Draft, PublishAttempt
from twitter_api.types import XPost

_URL = re.compile(r"https?://\S+")
# An attempt is recorded before X is called; X's clock and ours may disagree by a little.
ATTEMPT_BEFORE_POST = timedelta(minutes=15)
CLOCK_SKEW = timedelta(minutes=2)


def comparable(text: str) -> str:
    # X shortens links to t.co, so compare texts with every link replaced.
    return _URL.sub("<link>", (text or "").strip())


def _seen(text: str) -> set[str]:
    """The forms a sent text may take on X: as sent, HTML-escaped as X's JSON gives it, with a media link added."""
    forms = {comparable(text), comparable(html.unescape(text or ""))}
    return forms | {form + " <link>" for form in forms}


def made_by_dovecote(account, posts: Iterable[XPost]) -> set[str]:
    """The ids, of `posts` (the account's own, as X gives them), of those Dovecote published or is publishing."""
    posts = [post for post in posts if post.id]
    if not posts:
        return set()
    ids = {post.id for post in posts}
    ours = set(
        PublishAttempt.objects.filter(draft__account=account, x_post_id__in=ids).values_list("x_post_id", flat=True)
    )
    ours |= set(
        Draft.objects.filter(account=account, published_post_id__in=ids).values_list("published_post_id", flat=True)
    )
    rest = [post for post in posts if post.id not in ours]
    if not rest:
        return ours
    window = Q()
    for post in rest:
        window |= Q(started_at__gte=post.created_at - ATTEMPT_BEFORE_POST, started_at__lte=post.created_at + CLOCK_SKEW)
    sent = [
        (started_at, texts[position] if isinstance(texts, list) and 0 <= position < len(texts) else "")
        for started_at, position, texts in PublishAttempt.objects.filter(window, draft__account=account)
        .exclude(state=PublishAttempt.State.SUCCEEDED, x_post_id__gt="")
        .values_list("started_at", "position", "revision__posts")
    ]
    for post in rest:
        forms = {comparable(post.text), comparable(html.unescape(post.text))}
        for started_at, text in sent:
            near = post.created_at - ATTEMPT_BEFORE_POST <= started_at <= post.created_at + CLOCK_SKEW
            if near and isinstance(text, str) and forms & _seen(text):
                ours.add(post.id)
                break
    return ours
