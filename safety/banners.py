"""The banner for leads and admins while a possible takeover is open, on every page (core.banners).

The open incidents are kept in the cache, the same list for everyone, checked against the generations of the
incidents and of the teams and accounts they name (core.freshness.kept), read in the banners' one round trip; each
person sees those of the teams they lead (admins: all), by their roles already read for the request, so the
banner costs no query while the cache holds. The home page's panel (safety.dashboard) reads the same entry.
"""

from django.http import HttpRequest

from accounts.access import led_team_ids
from core import freshness
from safety.models import Incident

CACHE_KEY = "dovecote:open-incidents:kept"  # (generations, rows): core.freshness.kept
# The freshness topics the list is built from: the incidents, and the accounts' names they show.
TOPICS = ("incidents", "teams")


def incident_banner_keys(user) -> list[str]:
    return [CACHE_KEY] if user.is_admin or led_team_ids(user) else []


def open_incidents() -> list[dict]:
    """Every open incident, oldest first, as plain data (kept in the cache while no incident changes)."""
    return freshness.kept(CACHE_KEY, TOPICS, _open_incidents)


def _open_incidents() -> list[dict]:
    return [
        {
            "pk": incident.pk,
            "team_id": incident.account.team_id,
            "account": str(incident.account),
            "summary": incident.summary,
            "detected_at": incident.detected_at,
            "frozen": incident.freeze_id is not None,
            "url": incident.get_absolute_url(),
        }
        for incident in Incident.objects.filter(state=Incident.State.OPEN)
        .select_related("account")
        .order_by("detected_at", "pk")
    ]


def open_incidents_for(user) -> list[dict]:
    """The open incidents the user may look into: of the teams they lead; all for admins; none for anyone else."""
    if user.is_admin:
        return open_incidents()
    led = set(led_team_ids(user))
    return [row for row in open_incidents() if row["team_id"] in led] if led else []


def incident_banners(request: HttpRequest) -> list[dict]:
    return [
        {
            "key": f"incident-{row['pk']}",
            "level": "warning",
            "title": f"Possible takeover of {row['account']}",
            "text": f"Dovecote saw {row['summary']}"
            + (" The account is frozen until a lead has looked." if row["frozen"] else ""),
            "url": row["url"],
            "link_text": "See the evidence and record what happened",
        }
        for row in open_incidents_for(request.user)
    ]
