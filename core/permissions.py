"""Who may do what: one answer, with the reason a refusal gives in plain English.

Each app declares the permissions on its own objects with `rules.add_perm` in its `rules.py` (rules'
autodiscovery imports them), asking only the apps below it, and registers beside each the sentence a refusal
gives. Views, services and templates (through what views pass them) ask `decide` or `ensure`; nothing else
decides. `Refused` is the one refusal: a PermissionDenied, so the 403 page shows its reason.

Visibility is not decided here: the access helpers still return a 404 for objects outside the user's teams, so
outsiders cannot learn they exist. These permissions decide what a person may do with what they can see.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar

import rules
from django.core.exceptions import PermissionDenied

DEFAULT_REASON = "You do not have permission to do that."

T = TypeVar("T")


class Refused(PermissionDenied):
    """The one refusal: `reason` (also `message`, as views read it) is the sentence shown to the person refused.
    Apps may subclass it to carry more (training.policy.TrainingRequired carries the training decision)."""

    def __init__(self, reason: str = DEFAULT_REASON) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return self.reason


Reason = str | Callable[[Any, Any], "str | Refused"]

_reasons: dict[str, Reason] = {}


class Decision(NamedTuple):
    allowed: bool
    reason: str  # empty when allowed

    def __bool__(self) -> bool:
        return self.allowed


def register_reason(perm: str, reason: Reason) -> None:
    """The sentence a refusal of `perm` gives: a string, or `f(user, obj)` returning the sentence (or a Refused
    subclass carrying it) when it depends on them."""
    _reasons[perm] = reason


# Work a predicate and its reason share within one decision (policy.check, say), so a refusal costs no more
# queries than the answer did.
_shared: ContextVar[dict | None] = ContextVar("permission_shared_work", default=None)


@contextmanager
def _sharing() -> Iterator[None]:
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, done once per decision for `key` however often the predicate and its reason ask."""
    shared = _shared.get()
    if shared is None:
        return compute()
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def _allowed(user: Any, perm: str, obj: Any) -> bool:
    # Asked of rules alone, not user.has_perm: Django lets an active superuser (our admins) through every
    # permission there, which would let admins past the training gates they are held to.
    return user is not None and rules.has_perm(perm, user, obj)


def _refusal(user: Any, perm: str, obj: Any) -> Refused:
    reason = _reasons.get(perm, DEFAULT_REASON)
    if callable(reason):
        reason = reason(user, obj)
    return reason if isinstance(reason, Refused) else Refused(reason)


def decide(user: Any, perm: str, obj: Any = None) -> Decision:
    """Whether `user` may `perm` (on `obj`), and if not, why."""
    with _sharing():
        if _allowed(user, perm, obj):
            return Decision(True, "")
        return Decision(False, _refusal(user, perm, obj).reason)


def ensure(user: Any, perm: str, obj: Any = None) -> None:
    """Raise Refused, with the reason, unless `user` may `perm` (on `obj`)."""
    with _sharing():
        if not _allowed(user, perm, obj):
            raise _refusal(user, perm, obj)


def signed_in(user: Any) -> bool:
    """For predicates: an active, signed-in person (a leaver's account is deactivated)."""
    return bool(user is not None and user.is_authenticated and user.is_active)
