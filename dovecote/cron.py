"""Periodic jobs, loaded by the scheduler process: `python manage.py rqcron dovecote.cron` (see Procfile).

Each app registers its own periodic work in its section below with `rq.cron.register`; the functions
live in that app's jobs.py, take ids or nothing, and are safe to run twice or on several workers.
"""

from rq import cron  # noqa: F401  (used by the sections below)

# --- tweets -------------------------------------------------------------------------------------

# --- monitoring ---------------------------------------------------------------------------------

# --- training -----------------------------------------------------------------------------------

# --- reports ------------------------------------------------------------------------------------
