"""X's account activity (twitter_api.signals.account_activity, pushed by the stream worker or found by a poll) as
the tripwire's findings: a post.create of the account's own post that Dovecote did not make, and a
profile.update.* event. Safe to receive twice: the finding names the incident (safety.tripwire). A failure is
logged, never raised into the sender."""

import logging

from django.dispatch import receiver

from accounts.models import TwitterAccount
from safety.models import Incident
from safety.tripwire import EVENT_FIELDS, posts_judge, profile_judge
from twitter_api.signals import account_activity
from twitter_api.types import XPost

log = logging.getLogger(__name__)

PROFILE_EVENT = "profile.update."


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


@receiver(account_activity, dispatch_uid="safety.account_activity")
def account_activity_seen(sender, account_id=None, event_type="", event_id="", payload=None, occurred_at=None, **kw):
    event_type = event_type if isinstance(event_type, str) else ""
    if event_type != "post.create" and not event_type.startswith(PROFILE_EVENT):
        return
    try:
        account = TwitterAccount.objects.select_related("team").filter(pk=account_id).first()
        if account is None:
            return
        payload = payload if isinstance(payload, dict) else {}
        x_event_id = event_id if isinstance(event_id, str) else ""
        if event_type == "post.create":
            post = payload.get("post")
            if isinstance(post, XPost) and post.author_id == account.x_user_id:
                posts_judge(account=account, posts=[post], source=Incident.Source.PUSH, x_event_id=x_event_id)
            return
        name = event_type[len(PROFILE_EVENT) :]
        after = _text(payload.get("after"))
        if after is None:
            # X said the profile changed but not to what: the finding is the event itself.
            after = f"(changed; X did not say to what: event {x_event_id})"
        profile_judge(
            account=account,
            changes=[(EVENT_FIELDS.get(name, name), _text(payload.get("before")), after)],
            source=Incident.Source.PUSH,
            x_event_id=x_event_id,
        )
    except Exception:
        log.exception("The tripwire could not act on X's %s event %r for account %s", event_type, event_id, account_id)
