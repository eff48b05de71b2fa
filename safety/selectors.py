from django.conf import settings

from accounts.models import Membership, User
from safety.models import Incident, SecurityContact


def incident_leads(incident: Incident):
    """The current leads of the team that owns the incident's account (who are emailed and told of it)."""
    leads = Membership.objects.current_leads().filter(team_id=incident.account.team_id).values("user_id")
    return User.objects.filter(pk__in=leads).order_by("pk")


def security_contacts() -> list[str]:
    """The department's security contacts' addresses: SECURITY_CONTACT_EMAIL's, then those admins added, each once."""
    addresses = {}
    for address in [*settings.SECURITY_CONTACT_EMAIL, *SecurityContact.objects.values_list("email", flat=True)]:
        addresses.setdefault(address.lower(), address)
    return list(addresses.values())
