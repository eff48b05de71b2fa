"""The training gates (may this person draft, approve or reply for this account, given their certifications and
exemptions) and who runs training. Asks only accounts and core.

The gates' reason is training.policy.check's message (the missing course, an expired certification, the next
session with places), carried by TrainingRequired so pages can show the decision.
"""

import rules

from accounts.rules import is_admin
from core.permissions import once, register_reason, signed_in
from training import policy
from training.models import Action


def _check(user, account, action: str) -> policy.Decision:
    return once(("training", user.pk, account.pk, action), lambda: policy.check(user, account, action))


def _known(user, account) -> bool:
    # Not signed_in: the gate is about training alone, as policy.check always was (an account's state and the
    # person's team are other permissions' business).
    return user is not None and user.is_authenticated and account is not None


def _gate(action: str):
    @rules.predicate(name=f"trained_to_{action}")
    def trained(user, account) -> bool:
        return _known(user, account) and _check(user, account, action).allowed

    def refusal(user, account):
        if not _known(user, account):
            return "Sign in, and choose the account, to do that."
        return policy.TrainingRequired(_check(user, account, action))

    return trained, refusal


for _action in Action:
    _trained, _refusal = _gate(_action.value)
    rules.add_perm(f"training.{_action.value}", _trained)
    register_reason(f"training.{_action.value}", _refusal)


@rules.predicate
def is_trainer(user) -> bool:
    return signed_in(user) and user.is_trainer


TRAINERS_ONLY = "Only trainers and admins can do that."

for _perm in ("training.certify", "training.manage_courses", "training.manage_sessions"):
    rules.add_perm(_perm, is_trainer | is_admin)
    register_reason(_perm, TRAINERS_ONLY)

rules.add_perm("training.grant_exemption", is_admin)
register_reason("training.grant_exemption", "Only admins can do that.")
