"""Who may see incidents: the leads of the account's team and admins; everyone else gets a 404."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import led_team_ids
from accounts.models import User
from safety.models import Incident


def incidents_for_user(user: User) -> QuerySet[Incident]:
    qs = Incident.objects.select_related("account", "account__team", "freeze", "resolved_by")
    if user.is_admin:
        return qs
    return qs.filter(account__team_id__in=led_team_ids(user))


def incident_for_user(user: User, pk: int) -> Incident:
    return get_object_or_404(incidents_for_user(user), pk=pk)
