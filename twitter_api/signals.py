"""What X says happened on a governed account, for the apps above to act on (they hook it; nothing here knows them).

`account_activity` is sent once per event, whether X pushed it (the X Activity API stream) or polling found it (the
account's own timeline, its profile), after the rows its reader stored are committed. Keyword arguments:

- `account_id`: the governed account's primary key (`accounts.TwitterAccount`), an int;
- `event_type`: X's dotted name, e.g. "post.create", "post.delete", "profile.update.bio",
  "profile.update.screenname", "profile.update.profile_picture", "profile.update.url";
- `event_id`: X's `event_uuid`, or for a polled finding a stable id of it (the same finding twice gives the same id),
  so a receiver can tell an event it has already handled;
- `payload`: a dict, already checked by the reader (post events: an `XPost` under "post"; profile events: "before"
  and "after" strings where known);
- `occurred_at`: when X says it happened (aware datetime), or when it was found.

Receivers must be safe to call twice with the same `event_id`.
"""

from django.dispatch import Signal

account_activity = Signal()
