"""Whether people want an email about a kind of event. The apps below that email people about events (tweets'
approval, held, failed and freeze emails, training's expiry reminders) ask `emails_wanted`; the app that keeps
each person's choices (notifications, on the top floor) registers the answer in its AppConfig.ready(). With
nothing registered, every email goes, as before.

Kinds are plain strings, named by the notifications app: "approval_needed", "post_held", "post_failed",
"freeze_started", "freeze_lifted", "certification_lapsing".
"""

from collections.abc import Callable, Iterable

Chooser = Callable[[str, list[int]], set[int]]

_chooser: Chooser | None = None


def register(chooser: Chooser) -> None:
    """`chooser(kind, user_ids)` returns the ids of those who want an email about `kind`."""
    global _chooser
    _chooser = chooser


def emails_wanted(kind: str, user_ids: Iterable[int]) -> set[int]:
    """The ids, of those given, of people who want an email about `kind`."""
    ids = [int(pk) for pk in user_ids]
    if _chooser is None or not ids:
        return set(ids)
    return _chooser(kind, ids)
