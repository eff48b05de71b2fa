from accounts.models import Membership, User
from safety.models import Incident


def incident_leads(incident: Incident):
    """The current leads of the team that owns the incident's account (who are emailed and told of it)."""
    leads = Membership.objects.current_leads().filter(team_id=incident.account.team_id).values("user_id")
    return User.objects.filter(pk__in=leads).order_by("pk")
