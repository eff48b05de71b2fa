"""Who may do what: one answer, with the reason a refusal gives in plain English.

Permissions are declared with `rules.add_perm` in each app's `rules.py` (rules' autodiscovery imports them) and
asked through `user.has_perm`, so templates, views and services get the same answer. A refusal says why through
the reason registered for the permission; `Refused` is a PermissionDenied, so the 403 page shows it.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import rules
from django.core.exceptions import PermissionDenied

DEFAULT_REASON = "You do not have permission to do that."

Reason = str | Callable[[Any, Any], str]

_reasons: dict[str, Reason] = {}


class Refused(PermissionDenied):
    """The one refusal: `reason` is the sentence shown to the person refused."""

    def __init__(self, reason: str = DEFAULT_REASON) -> None:
        super().__init__(reason)
        self.reason = reason


class Decision(NamedTuple):
    allowed: bool
    reason: str  # empty when allowed

    def __bool__(self) -> bool:
        return self.allowed


def register_reason(perm: str, reason: Reason) -> None:
    """The sentence a refusal of `perm` gives: a string, or `f(user, obj) -> str` when it depends on them."""
    _reasons[perm] = reason


def _reason_for(user: Any, perm: str, obj: Any) -> str:
    reason = _reasons.get(perm, DEFAULT_REASON)
    return reason(user, obj) if callable(reason) else reason


def decide(user: Any, perm: str, obj: Any = None) -> Decision:
    """Whether `user` may `perm` (on `obj`), and if not, why."""
    if user is not None and rules.has_perm(perm, user, obj):  # not user.has_perm: it lets superusers past all
        return Decision(True, "")
    return Decision(False, _reason_for(user, perm, obj))


def ensure(user: Any, perm: str, obj: Any = None) -> None:
    """Raise Refused, with the reason, unless `user` may `perm` (on `obj`)."""
    decision = decide(user, perm, obj)
    if not decision.allowed:
        raise Refused(decision.reason)
