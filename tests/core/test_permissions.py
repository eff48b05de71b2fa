"""core.permissions: decide/ensure answer through user.has_perm (rules), and a refusal carries its reason."""

import pytest
import rules
from django.core.exceptions import PermissionDenied

from core import permissions
from tests.factories import UserFactory

PERM = "core.test_only_even_numbers"


@pytest.fixture
def even_numbers_rule():
    rules.add_perm(PERM, rules.predicate(lambda user, number: number is not None and number % 2 == 0))
    permissions.register_reason(PERM, lambda user, number: f"{number} is odd, so you cannot have it.")
    yield
    rules.remove_perm(PERM)
    permissions._reasons.pop(PERM, None)


@pytest.mark.django_db
def test_it_allows_what_the_rule_allows_and_refuses_with_the_registered_reason(even_numbers_rule):
    user = UserFactory()

    assert permissions.decide(user, PERM, 2) == permissions.Decision(True, "")
    assert permissions.decide(user, PERM, 3) == permissions.Decision(False, "3 is odd, so you cannot have it.")
    permissions.ensure(user, PERM, 4)
    with pytest.raises(permissions.Refused) as refused:
        permissions.ensure(user, PERM, 5)
    assert refused.value.reason == "5 is odd, so you cannot have it."
    assert isinstance(refused.value, PermissionDenied) and str(refused.value) == refused.value.reason


@pytest.mark.django_db
def test_a_permission_nobody_declared_is_refused_with_the_general_reason():
    decision = permissions.decide(UserFactory(), "core.nobody_declared_this")

    assert not decision and decision.reason == permissions.DEFAULT_REASON
