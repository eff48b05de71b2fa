"""The tripwire's jobs: `watch_cycle` (periodic, dovecote/cron.py, on the `poll` queue) reads every governed
account; `incident_email` (on `default`, after commit) emails a new incident."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from core import notices
from safety import tripwire
from safety.models import Incident
from safety.selectors import incident_leads, security_contacts

log = logging.getLogger(__name__)


def watch_cycle() -> int:
    """Every SAFETY_POSTS_INTERVAL seconds (RQ cron, `poll` queue): read each governed account in turn, each in its
    own transaction. One job for all, not one each: a worker forks for every job, which costs more than a read, and
    at a few seconds' interval a job per account would crowd out the queues behind `poll` (emails on `default`). An
    account that cannot be read is recorded on its Watch and the rest go on; two cycles at once skip each other's
    accounts (tripwire.account_watch)."""
    due = tripwire.accounts_due()
    for account_id in due:
        account_watch(account_id)
    return len(due)


def account_watch(account_id: int) -> str:
    try:
        return tripwire.account_watch(account_id=account_id)
    except Exception:  # one account's failure must not stop the job's next run or any other account
        log.exception("The tripwire failed on account %s", account_id)
        return "error"


def incident_email(incident_id: int) -> int:
    """Email a new incident to the account's leads (as they chose; on unless they turned it off) and to the
    department's security contacts (safety.selectors.security_contacts, always). Sent once: the incident is marked
    first, and unmarked if sending fails so the job can be run again."""
    claimed = Incident.objects.filter(pk=incident_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    incident = Incident.objects.select_related("account", "account__team", "freeze").get(pk=incident_id)
    leads = list(incident_leads(incident))
    wanted = notices.emails_wanted("incident_raised", [lead.pk for lead in leads])
    addresses = [lead.email for lead in leads if lead.email and lead.pk in wanted]
    addresses += [a for a in security_contacts() if a.lower() not in {x.lower() for x in addresses}]
    url = settings.SITE_URL.rstrip("/") + incident.get_absolute_url()
    sent = 0
    try:
        for address in addresses:
            send_mail(
                subject=f"Possible takeover of {incident.account}: {incident.get_kind_display()}",
                message=render_to_string("safety/email/incident_raised.txt", {"incident": incident, "url": url}),
                from_email=None,
                recipient_list=[address],
            )
            sent += 1
    except Exception:
        if not sent:
            Incident.objects.filter(pk=incident_id).update(emailed_at=None)
        raise
    return sent
