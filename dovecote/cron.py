"""Periodic jobs, loaded by the scheduler process: `python manage.py rqcron dovecote.cron` (see Procfile).

Each app registers its own periodic work in its section below with `rq.cron.register`; the functions
live in that app's jobs.py, take ids or nothing, and are safe to run twice or on several workers.
"""

from rq import cron  # noqa: F401  (used by the sections below)

# --- accounts -----------------------------------------------------------------------------------
from accounts.jobs import activity_grants_refresh  # noqa: E402

# Account events' OAuth 2.0 grants whose access token lapses within 30 minutes are refreshed (X's last two hours).
cron.register(activity_grants_refresh, queue_name="default", interval=300)

# --- tweets -------------------------------------------------------------------------------------
from tweets.jobs import publish_due_sweep, spend_holds_release  # noqa: E402

# Catch every due or overdue post (after downtime, a lost scheduled job or a stalled worker).
cron.register(publish_due_sweep, queue_name="publish", interval=30)
# Posts held for a used-up spend budget go out when the month turns (raising a budget releases them at once).
cron.register(spend_holds_release, queue_name="publish", cron="5 0 * * *")
from tweets.jobs import records_retention_sweep  # noqa: E402

# Daily at 04:30 (server time): what each account's retention period has passed, except accounts on legal hold.
cron.register(records_retention_sweep, queue_name="default", cron="30 4 * * *")
from tweets.media_jobs import media_unattached_purge  # noqa: E402

# Daily at 04:00 (server time): files attached on the compose page to no saved draft, two days on.
cron.register(media_unattached_purge, queue_name="default", cron="0 4 * * *")

# --- monitoring ---------------------------------------------------------------------------------
from monitoring import jobs as monitoring_jobs  # noqa: E402

# Cursors carry their own interval (per monitor); the cycle only enqueues those that are due.
cron.register(monitoring_jobs.poll_cycle, queue_name="poll", interval=30)
cron.register(monitoring_jobs.spikes_check, queue_name="default", interval=300)
cron.register(monitoring_jobs.budget_check, queue_name="default", interval=900)
# Own posts' figures at 1 h, 24 h and 7 days after publishing: due snapshots read per account, 100 posts a call.
cron.register(monitoring_jobs.post_metrics_sweep, queue_name="poll", interval=300)
# Daily at 03:30 (server time): the dashboard's stored monitor hours, once older than it reads.
cron.register(monitoring_jobs.monitor_hours_purge, queue_name="default", cron="30 3 * * *")

# --- safety -------------------------------------------------------------------------------------
from django.conf import settings  # noqa: E402

from safety.jobs import watch_cycle  # noqa: E402

# The takeover tripwire: each governed account's own new posts every SAFETY_POSTS_INTERVAL seconds (5: an empty
# read is not billed), its profile every SAFETY_PROFILE_INTERVAL (900: $0.010 a read, $28.80 a month an account).
cron.register(watch_cycle, queue_name="poll", interval=settings.SAFETY_POSTS_INTERVAL)

# --- training -----------------------------------------------------------------------------------
from training.jobs import send_reminders  # noqa: E402

# Daily at 08:00 (server time): certification expiry in 30 and 7 days, sessions tomorrow; each sent once.
cron.register(send_reminders, queue_name="default", cron="0 8 * * *")

# --- reports ------------------------------------------------------------------------------------
from reports.jobs import weekly_reports_enqueue  # noqa: E402

# Mondays at 07:00 (server time): last week's report to every lead; each lead's email goes once a week.
cron.register(weekly_reports_enqueue, queue_name="default", cron="0 7 * * 1")
