"""Load benchmark for the dashboard, a filtered team inbox, the inbox search, the approval queue and the weekly report.

Prints figures; it is not a test. It:
1. creates (or reuses, with --reuse) the PostgreSQL database `dovecote_bench_dashboard` and migrates it;
2. generates 1,000,000 mentions (each matched by a monitor and routed to an inbox), 100,000 drafts with
   revisions, transitions, approvals and publish attempts, and 500 users in 10 teams, all with
   INSERT ... SELECT generate_series (no ORM row by row);
3. counts SQL queries per page in-process (django.test.utils.CaptureQueriesContext), on this data;
4. empties the app's cache, serves the app with gunicorn on loopback (sync workers, one per CPU and one
   more) and drives each page with 20 concurrent clients (threads, each with a plain http.client
   connection) from a second process, signed in with session cookies created directly; each client sends
   its share of a fixed number of requests back to back, so the run ends by itself;
5. prints p50 / p95 / p99 per page, the queries per page and the share of a CPU the load generator itself
   used, and each person's first request to a page apart from the rest, then stops gunicorn.

    .venv/bin/python bench/dashboard_load.py                      # generate, measure, drive
    .venv/bin/python bench/dashboard_load.py --reuse               # keep the generated data
    .venv/bin/python bench/dashboard_load.py --requests 400 --clients 20 --workers 3 --threads 1

Needs PostgreSQL at BENCH_DATABASE_SERVER (default postgres://postgres@127.0.0.1:5432) and Redis.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "dovecote_bench_dashboard"
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
TEAMS = 10
USERS = 500
ACCOUNTS_PER_TEAM = 3
MONITORS_PER_TEAM = 5
MENTIONS = 1_000_000
DRAFTS = 100_000
SPAN_DAYS = 60

SETTINGS_SHIM = """
from dovecote.settings import *  # noqa: F401,F403

# Served without collectstatic: plain static storage, production otherwise (DEBUG off).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""

# --redis-cache: one cache shared by every gunicorn worker. settings.CACHES is Redis now, so this shim only
# restates the default; it is kept so older runs can be repeated.
REDIS_CACHE_SHIM = """
CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "dovecote"}}
"""


def bench_environment(shim_dir: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-dashboard-secret-key-not-for-production-0123456789",
        "FIELD_ENCRYPTION_KEY": "u0q3wQmV3fS7x8b9Yr0y1ZqKk2c3d4e5f6g7h8i9j0k=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench_dashboard_settings",
        "PYTHONPATH": os.pathsep.join([shim_dir, str(ROOT)]),
    }


# --- Database -------------------------------------------------------------------------------------------


def create_database(fresh: bool) -> bool:
    """Create the benchmark database; returns True if it was (re)created empty."""
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        exists = cur.fetchone() is not None
        if exists and fresh:
            cur.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()
    return not exists


GENERATE_SQL = """
-- Teams, users (ids 1-10 leads of team = id, 11-60 approvers, 61-499 members, 500 the admin), memberships.
INSERT INTO accounts_team (id, name, slug, description, email, created_at)
SELECT t, 'Bench team ' || t, 'bench-team-' || t, '', '', %(now)s FROM generate_series(1, {teams}) t;

INSERT INTO accounts_user (id, password, last_login, is_superuser, first_name, last_name, is_staff, is_active,
                           date_joined, email, is_trainer)
SELECT u, %(password)s, NULL, u = {users}, 'Bench', 'User ' || u, u = {users}, true, %(now)s,
       'bench' || u || '@bench.gov.uk', false
FROM generate_series(1, {users}) u;

INSERT INTO accounts_membership (user_id, team_id, role, started_at, ended_at)
SELECT u, ((u - 1) %% {teams}) + 1,
       CASE WHEN u <= {teams} THEN 'lead' WHEN u <= 60 THEN 'approver' ELSE 'member' END,
       %(now)s - interval '400 days', NULL
FROM generate_series(1, {users} - 1) u;

INSERT INTO mfa_authenticator (user_id, type, data, created_at, last_used_at)
SELECT u, 'totp', '{{"secret": "JBSWY3DPEHPK3PXP"}}'::jsonb, %(now)s, NULL
FROM generate_series(1, {users}) u WHERE u <= 60 OR u = {users};

-- Accounts (3 per team) and monitors (5 per team).
INSERT INTO accounts_twitteraccount (id, handle, display_name, kind, team_id, responsible_person_id, x_user_id,
    status, approvals_required, approver_team_id, replies_need_approval, approval_expiry_hours, access_token,
    access_token_secret, credentials_updated_at, credentials_revoked_at, created_at, api_access,
    saved_replies_skip_approval)
SELECT a, 'bench_acc_' || a, 'Bench account ' || a,
       (ARRAY['corporate', 'press_office', 'personal'])[(a %% 3) + 1],
       ((a - 1) %% {teams}) + 1, ((a - 1) %% {teams}) + 1, (9000000000 + a)::text, 'active', NULL, NULL, true, 72,
       '', '', NULL, NULL, %(now)s, 'self_serve', false
FROM generate_series(1, {accounts}) a;

INSERT INTO monitoring_monitor (id, team_id, name, query, is_active, poll_interval_seconds, since_id,
                                created_by_id, created_at, updated_at)
SELECT m, ((m - 1) %% {teams}) + 1, 'Monitor ' || m, 'bench' || m || ' OR passport', true, 300, NULL, NULL,
       %(now)s, %(now)s
FROM generate_series(1, {monitors}) m;

-- 1,000,000 mentions over {span} days, each matched by one monitor and routed to that monitor's team.
INSERT INTO monitoring_mention (id, tweet_id, text, posted_at, lang, author_x_id, author_username, author_name,
    author_verified, author_followers, conversation_id, reply_to_post_id, is_retweet, sentiment, found_at)
SELECT i, 1800000000000000000 + i, 'Bench mention ' || i || ': when will my passport arrive?',
       %(now)s - ({mentions} - i) * interval '{mention_step} seconds', 'en', (7000000 + i %% 50000)::text,
       'citizen' || (i %% 50000), '', false, i %% 5000, '', '', false,
       ((i::bigint * 7919) %% 2001 - 1000) / 1000.0,
       %(now)s - ({mentions} - i) * interval '{mention_step} seconds'
FROM generate_series(1, {mentions}) i;

INSERT INTO monitoring_mentionmatch (mention_id, monitor_id, account_id, matched_at)
SELECT id, ((id - 1) %% {monitors}) + 1, NULL, posted_at FROM monitoring_mention;

INSERT INTO monitoring_inboxitem (id, mention_id, team_id, account_id, status, priority, due_at, assigned_to_id,
    escalated_from_id, escalation_note, reply_draft_id, created_at, updated_at)
SELECT id, id, (((id - 1) %% {monitors}) %% {teams}) + 1, NULL,
       CASE WHEN posted_at < %(now)s - interval '2 days'
            THEN (ARRAY['replied', 'replied', 'replied', 'replied', 'replied', 'replied', 'no_action',
                        'no_action', 'replied', 'replied'])[(id %% 10) + 1]
            ELSE (ARRAY['new', 'in_progress', 'replied', 'new'])[(id %% 4) + 1] END,
       (ARRAY['normal', 'normal', 'high', 'urgent', 'low'])[((id / 10) %% 5) + 1],  -- not tied to the team (id %% 10)
       posted_at + interval '24 hours',
       NULL, NULL, '', NULL, posted_at + interval '30 seconds', posted_at + interval '30 seconds'
FROM monitoring_mention;

-- Someone in the team works each item in progress or replied.
UPDATE monitoring_inboxitem SET assigned_to_id = team_id + {teams} * (6 + (id %% 43))
WHERE status IN ('in_progress', 'replied') AND created_at >= %(now)s - interval '2 days';

INSERT INTO monitoring_inboxitemevent (item_id, actor_id, action, from_status, to_status, detail, created_at)
SELECT id, NULL, 'replied (published)', 'in_progress', 'replied', '',
       created_at + ((id %% 180) + 5) * interval '1 minute'
FROM monitoring_inboxitem WHERE status = 'replied';

-- 100,000 drafts over {span} days with revisions, transitions, approvals and publish attempts.
INSERT INTO tweets_draft (id, account_id, author_id, purpose, state, current_revision_id, scheduled_at,
    publish_due_at, in_reply_to_post_id, published_post_id, published_at, failure_reason, held_by_id,
    essential_reason, essential_by_id, claim_token, claimed_at, created_at, updated_at, retraction_reason,
    reply_to_snapshot, held_for_spend, dm_conversation_id)
SELECT d, ((d - 1) %% {accounts}) + 1,
       ((((d - 1) %% {accounts})) %% {teams}) + 1 + {teams} * (6 + (d %% 43)),
       'post',
       CASE WHEN (d * 37) %% 100 < 70 THEN 'published' WHEN (d * 37) %% 100 < 75 THEN 'submitted'
            WHEN (d * 37) %% 100 < 85 THEN 'draft' WHEN (d * 37) %% 100 < 88 THEN 'scheduled'
            WHEN (d * 37) %% 100 < 90 THEN 'approved' WHEN (d * 37) %% 100 < 94 THEN 'rejected'
            WHEN (d * 37) %% 100 < 97 THEN 'withdrawn' WHEN (d * 37) %% 100 < 98 THEN 'changes_requested'
            ELSE 'failed' END,
       NULL,
       CASE WHEN (d * 37) %% 100 BETWEEN 85 AND 87 THEN %(now)s + (d %% 168) * interval '1 hour' END,
       NULL, '', '', NULL, '', NULL, '', NULL, '', NULL,
       %(now)s - ({drafts} - d) * interval '{draft_step} seconds',
       %(now)s - ({drafts} - d) * interval '{draft_step} seconds' + interval '10 minutes', '',
       '{{}}'::jsonb, false, ''
FROM generate_series(1, {drafts}) d;

UPDATE tweets_draft SET published_at = created_at + interval '3 hours',
       published_post_id = (1900000000000000000 + id)::text
WHERE state = 'published';

INSERT INTO tweets_draftrevision (id, draft_id, number, posts, in_reply_to_post_id, created_by_id, created_at)
SELECT id, id, 1, jsonb_build_array('Bench post ' || id || ': new passport service opens today.'), '', author_id,
       created_at
FROM tweets_draft;

UPDATE tweets_draft SET current_revision_id = id;

INSERT INTO tweets_drafttransition (draft_id, from_state, to_state, actor_id, reason, created_at)
SELECT id, '', 'draft', author_id, 'Created', created_at FROM tweets_draft
UNION ALL
SELECT id, 'draft', 'submitted', author_id, 'Submitted for approval', created_at + interval '10 minutes'
FROM tweets_draft WHERE state <> 'draft'
UNION ALL
SELECT id, 'submitted', 'approved', NULL, '1 of 1 approvals',
       created_at + interval '10 minutes' + ((id %% 240) + 1) * interval '1 minute'
FROM tweets_draft WHERE state IN ('published', 'approved', 'scheduled')
UNION ALL
SELECT id, 'approved', 'published', NULL, 'Published', published_at FROM tweets_draft WHERE state = 'published';

INSERT INTO tweets_approval (draft_id, revision_id, approver_id, note, created_at)
SELECT id, id, ((account_id - 1) %% {teams}) + 1 + {teams} * (1 + (id %% 5)), '',
       created_at + interval '10 minutes' + ((id %% 240) + 1) * interval '1 minute'
FROM tweets_draft WHERE state IN ('published', 'approved', 'scheduled');

INSERT INTO tweets_publishattempt (draft_id, revision_id, position, state, claim_token, x_post_id, error_kind,
    reconciled, error, started_at, finished_at, accepted_at)
SELECT id, id, 0, 'succeeded', '', published_post_id, '', false, '', published_at, published_at, published_at
FROM tweets_draft WHERE state = 'published';

-- This month's metered API calls, a few spike alerts, training courses and certifications.
INSERT INTO twitter_api_apicall (created_at, endpoint, method, account_id, context, status_code, posts_read,
    posts_created, rate_limit_limit, rate_limit_remaining, rate_limit_reset, duration_ms, error)
SELECT %(now)s - i * interval '1 minute', '/2/tweets/search/recent', 'GET', NULL, 'monitoring:search:1', 200,
       10, 0, 450, 400, NULL, 120, ''
FROM generate_series(1, 20000) i;

INSERT INTO monitoring_spikealert (monitor_id, hour_start, count, baseline, created_at, emailed_at)
SELECT m, date_trunc('hour', %(now)s), 40, 5, %(now)s, NULL FROM generate_series(1, {monitors}, 7) m;

INSERT INTO training_course (id, title, outline, audience, validity_months, is_active, created_at)
VALUES (1, 'Social media basics', '', '', 12, true, %(now)s),
       (2, 'Approving posts', '', '', 12, true, %(now)s),
       (3, 'Replying to the public', '', '', 12, true, %(now)s);
INSERT INTO training_courserequirement (course_id, account_kind, action)
VALUES (1, 'corporate', 'draft'), (1, 'press_office', 'draft'), (2, 'corporate', 'approve'),
       (2, 'press_office', 'approve'), (3, 'corporate', 'reply');
INSERT INTO training_certification (user_id, course_id, certified_at, expires_at)
SELECT u, c, %(now)s - ((u * c) %% 360) * interval '1 day',
       %(now)s - ((u * c) %% 360) * interval '1 day' + interval '1 year'
FROM generate_series(1, {users}) u, generate_series(1, 3) c WHERE (u + c) %% 5 <> 0;
"""

# The indexes these pages need in other apps' tables. They are now in those apps' migrations
# (0002_dashboard_and_report_indexes), so --recommended-indexes only matters for a database made before them.
RECOMMENDED_INDEXES = [
    "CREATE INDEX IF NOT EXISTS bench_inboxitem_team_created ON monitoring_inboxitem (team_id, created_at)",
    "CREATE INDEX IF NOT EXISTS bench_inboxitem_assigned ON monitoring_inboxitem (assigned_to_id, status, due_at)",
    "CREATE INDEX IF NOT EXISTS bench_inboxitemevent_item_status "
    "ON monitoring_inboxitemevent (item_id, to_status, created_at)",
    "CREATE INDEX IF NOT EXISTS bench_transition_state_created ON tweets_drafttransition (to_state, created_at)",
    "CREATE INDEX IF NOT EXISTS bench_transition_draft_state "
    "ON tweets_drafttransition (draft_id, to_state, created_at)",
    "CREATE INDEX IF NOT EXISTS bench_draft_state_scheduled ON tweets_draft (state, scheduled_at)",
    "CREATE INDEX IF NOT EXISTS bench_draft_author_state ON tweets_draft (author_id, state)",
    "CREATE INDEX IF NOT EXISTS bench_draft_account_published ON tweets_draft (account_id, published_at)",
]


def add_recommended_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in RECOMMENDED_INDEXES:
            cursor.execute(statement)
        cursor.execute("ANALYZE")


def drop_recommended_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in RECOMMENDED_INDEXES:
            name = statement.split("EXISTS ")[1].split()[0]
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


SEQUENCE_TABLES = [
    "accounts_team",
    "accounts_user",
    "accounts_twitteraccount",
    "monitoring_monitor",
    "monitoring_mention",
    "monitoring_inboxitem",
    "tweets_draft",
    "tweets_draftrevision",
    "training_course",
]


def generate() -> float:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    started = time.perf_counter()
    sql = GENERATE_SQL.format(
        teams=TEAMS,
        users=USERS,
        accounts=TEAMS * ACCOUNTS_PER_TEAM,
        monitors=TEAMS * MONITORS_PER_TEAM,
        mentions=MENTIONS,
        drafts=DRAFTS,
        span=SPAN_DAYS,
        mention_step=SPAN_DAYS * 86400 / MENTIONS,
        draft_step=SPAN_DAYS * 86400 / DRAFTS,
    )
    params = {"now": timezone.now(), "password": make_password("bench-password-not-used")}
    statements = sql.split(";\n")
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            body = "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--"))
            if not body.strip():
                continue
            step = time.perf_counter()
            cursor.execute(body, params)
            print(f"  {time.perf_counter() - step:6.1f} s  {body.strip().splitlines()[0][:90]}", flush=True)
        for table in SEQUENCE_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        # Settle the new tables now, so autovacuum does not compete with the measurement.
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- Sessions and pages -----------------------------------------------------------------------------------


def make_sessions() -> dict[int, str]:
    """A signed-in session per user, created directly in the session store the app is configured with."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806

    from accounts.models import User

    sessions = {}
    for user in User.objects.all():
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[user.pk] = store.session_key
    return sessions


def page_plan() -> dict[str, list[tuple[int, str]]]:
    """Per page, the (user id, path) pairs the clients cycle through."""
    members = list(range(61, USERS))
    approvers = list(range(11, 61))
    leads = list(range(1, TEAMS + 1))
    team_of = lambda u: ((u - 1) % TEAMS) + 1  # noqa: E731

    def team_handle(u: int, step: int) -> int:
        # Mention i is by citizen(i % 50000) and routed to team ((i - 1) % 50) % 10 + 1 (GENERATE_SQL): a handle
        # whose number ends in the team's last digit is one of that team's authors.
        return ((u * step) % 4999) * 10 + team_of(u) % 10

    return {
        "dashboard home": [(u, "/") for u in members[:40] + approvers[:20] + leads],
        "team inbox (filtered)": [
            (u, f"/monitoring/?team={team_of(u)}&status=open&priority=high") for u in members[:40] + leads
        ],
        # Full-text search, as the inbox's search box sends it: a word every mention has among the team's open items
        # (each open item's mention checked), and in items of any status a handle (twenty mentions, all routed to
        # the person's team: read from the GIN index) and a word with a handle. A word every mention has, in items
        # of any status, is not here: it reads a million entries of the index (see monitoring.search).
        "inbox search": [
            (u, f"/monitoring/?team={team_of(u)}&{search}")
            for u in members[:40] + leads
            for search in (
                "q=passport&status=open",
                f"q=citizen{team_handle(u, 97)}&status=",
                f"q=arrive+citizen{team_handle(u, 89)}&status=",
            )
        ],
        "approval queue": [(u, "/drafts/approvals/") for u in approvers],
        "weekly report": [(u, f"/reports/teams/{team_of(u)}/") for u in leads],
    }


def count_queries(plan) -> dict[str, list[int]]:
    """SQL queries per page, in-process on the same data (first three users of each page)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    counts = {}
    for page, targets in plan.items():
        found = []
        for user_id, path in targets[:3]:
            client = Client()
            client.force_login(User.objects.get(pk=user_id))
            client.get(path)  # warm caches (templates, URL resolver)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            assert response.status_code == 200, (page, path, response.status_code)
            found.append(len(ctx.captured_queries))
        counts[page] = found
    return counts


# --- Driving ----------------------------------------------------------------------------------------------


def drive_page(
    base_url: str, targets: list, sessions: dict, requests_per_page: int, clients: int, think: float
) -> dict:
    """`clients` threads share `requests_per_page` requests to one page, each client pausing `think` seconds
    between its requests (0: back to back, the hardest case).

    Each client is a plain http.client connection, reopened when the server closes it: the load generator
    shares the machine's CPUs with the server, so it should spend as little of them as it can (requests
    spends several times as much per request). Its CPU time is reported with the figures.
    """
    host, port = base_url.removeprefix("http://").split(":")
    latencies: list[float] = []
    first_visits: list[float] = []  # a person's first request to the page in this run: their caches are cold
    seen: set[int] = set()
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests_per_page))

    def get(conn: http.client.HTTPConnection | None, path: str, session: str):
        conn = conn or http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        response = conn.getresponse()
        response.read()
        if response.will_close:
            conn.close()
            conn = None
        return conn, response.status

    def client_loop(n: int) -> None:
        conn = None
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                if conn:
                    conn.close()
                return
            user_id, path = targets[(i + n) % len(targets)]
            with lock:
                first = user_id not in seen
                seen.add(user_id)
            start = time.perf_counter()
            conn, status = get(conn, path, sessions[str(user_id)])
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if first:
                    first_visits.append(elapsed)
                if status != 200:
                    errors.append(f"{status} {path}")
            if think:
                time.sleep(think)

    # Warm every gunicorn worker first (imports, templates) so the figures are steady-state.
    for user_id, path in targets[:clients]:
        get(None, path, sessions[str(user_id)])
    started = time.perf_counter()
    cpu_started = time.process_time()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_loop, range(clients)))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "latencies": latencies,
        "first_visits": first_visits,
        "errors": errors[:5],
        "error_count": len(errors),
        "wall": wall,
        "cpu": cpu,
    }


def drive(base_url: str, plan_file: str, page: str, requests_per_page: int, clients: int, think: float) -> dict:
    """Run in the second process: one page."""
    spec = json.loads(Path(plan_file).read_text())
    return drive_page(base_url, spec["plan"][page], spec["sessions"], requests_per_page, clients, think)


CPU_GROUPS = {"gunicorn": "gunicorn", "postgres": "PostgreSQL", "redis-server": "Redis"}


def cpu_by_process() -> dict[str, float]:
    """CPU seconds used so far by the processes serving the pages, by kind (Linux /proc; empty elsewhere).

    Read before and after each page, so each page's figures say where its machine time went: the app's Python,
    PostgreSQL or Redis (the load generator's own share is printed beside them)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    totals = dict.fromkeys(CPU_GROUPS.values(), 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        group = CPU_GROUPS.get(name)
        if group:
            fields = text[text.rindex(")") + 2 :].split()
            totals[group] += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return totals


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def wait_for(url: str, seconds: float = 60) -> None:
    import requests

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer at {url} within {seconds} s")


def machine_probe() -> float:
    """CPU seconds for a fixed loop of five million Python additions (the best of three), printed with the
    figures: this machine's speed drifts by a third or more over a day, so runs can only be compared alongside
    it (lower is faster)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the generated data if the database exists")
    parser.add_argument("--requests", type=int, default=400, help="requests per page (default 400)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    # Sync workers, one per CPU and one more: these pages are CPU-bound Python, so threads in one process only
    # queue for its GIL; and a threaded worker keeps each keep-alive client it accepted, so 20 clients split
    # unevenly over its few processes and the busiest one sets the p95. A sync worker accepts only when it is
    # free; the extra one runs while another waits on PostgreSQL (two per CPU measured no better, five worse).
    parser.add_argument(
        "--workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn worker processes (default CPUs + 1)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1: sync workers)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--think-ms", type=int, default=0, help="pause per client between requests (default 0)")
    parser.add_argument(
        "--recommended-indexes", action="store_true", help="add the indexes recommended to other apps first"
    )
    parser.add_argument("--redis-cache", action="store_true", help="share Django's cache across workers in Redis")
    parser.add_argument("--page", action="append", help="only this page (repeatable); default every page")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.drive:  # the second process: drive gunicorn, print the raw results as JSON
        think = args.think_ms / 1000
        page = args.page[0]
        print(json.dumps(drive(f"http://127.0.0.1:{args.port}", args.drive, page, args.requests, args.clients, think)))
        return

    shim_dir = tempfile.mkdtemp(prefix="bench-dashboard-")
    Path(shim_dir, "bench_dashboard_settings.py").write_text(
        SETTINGS_SHIM + (REDIS_CACHE_SHIM if args.redis_cache else "")
    )
    env = bench_environment(shim_dir)
    os.environ.update(env)
    sys.path[:0] = [shim_dir, str(ROOT)]

    created = create_database(fresh=not args.reuse)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from monitoring.models import Mention

    if created or not Mention.objects.exists():
        print(f"Generating {MENTIONS:,} mentions, {DRAFTS:,} drafts and {USERS} users in {DB_NAME}:", flush=True)
        seconds = generate()
        print(f"Generated in {seconds:.1f} s", flush=True)
    else:
        print(f"Reusing the data in {DB_NAME}", flush=True)

    if args.redis_cache:
        from django.core.cache import cache

        cache.clear()
        print("With Django's cache in Redis, shared by the gunicorn workers", flush=True)
    if args.recommended_indexes:
        add_recommended_indexes()
        print("With the recommended indexes added", flush=True)
    else:
        drop_recommended_indexes()
        print("With the indexes the apps' migrations define (none added)", flush=True)
    plan = {page: targets for page, targets in page_plan().items() if not args.page or page in args.page}
    queries = count_queries(plan)
    sessions = make_sessions()
    plan_file = Path(shim_dir, "plan.json")
    plan_file.write_text(json.dumps({"plan": plan, "sessions": {str(k): v for k, v in sessions.items()}}))
    from django.core.cache import cache
    from django.db import connections

    # Every run starts with the app's cache empty, as on a morning's first visits (the sessions are in the
    # database too), so a run right after another is not flattered by the cached panels it left behind.
    cache.clear()
    connections.close_all()

    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "dovecote.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz")
        results, server_cpu = {}, {}
        for page in plan:
            before = cpu_by_process()
            driver = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--drive",
                    str(plan_file),
                    "--page",
                    page,
                    "--port",
                    str(args.port),
                    "--requests",
                    str(args.requests),
                    "--clients",
                    str(args.clients),
                    "--think-ms",
                    str(args.think_ms),
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=1800,
            )
            after = cpu_by_process()
            results[page] = json.loads(driver.stdout)
            server_cpu[page] = {group: after[group] - before[group] for group in after}
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    print()
    print(
        f"{args.clients} concurrent clients ({args.think_ms} ms think time), {args.requests} requests per page, "
        f"gunicorn {args.workers} workers x {args.threads} threads on 127.0.0.1, {os.cpu_count()} CPUs; "
        f"machine speed probe {machine_probe():.2f} s (see machine_probe)"
    )
    print(
        f"{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'errors':>8}{'driver CPU':>12}"
        "  SQL queries per page"
    )
    for page, r in results.items():
        lat = r["latencies"]
        print(
            f"{page:<24}{statistics.median(lat):>9.0f}{percentile(lat, 0.95):>9.0f}{percentile(lat, 0.99):>9.0f}"
            f"{len(lat) / r['wall']:>8.1f}{r['error_count']:>8}{r['cpu'] / r['wall']:>11.0%}"
            f"  {', '.join(map(str, queries[page]))}"
        )
        if r["errors"]:
            print("    first errors:", "; ".join(r["errors"]))
    print()
    print("Machine CPU per request, ms (each page's warm-up requests included), by process:")
    print(f"  {'page':<24}" + "".join(f"{group:>12}" for group in CPU_GROUPS.values()) + f"{'all':>8}")
    for page, r in results.items():
        sent = len(r["latencies"]) + min(args.clients, len(plan[page]))
        used = server_cpu[page]
        print(
            f"  {page:<24}"
            + "".join(f"{used[group] * 1000 / sent:>12.1f}" for group in CPU_GROUPS.values())
            + f"{sum(used.values()) * 1000 / sent:>8.1f}"
        )
    print()
    print("Each person's first request to a page in this run (the cache starts empty) against the rest:")
    for page, r in results.items():
        first = r["first_visits"]
        later = sorted(r["latencies"])
        for value in first:
            later.remove(value)
        print(
            f"  {page:<24}first {len(first):>3}: p50 {statistics.median(first):>4.0f} ms, max {max(first):>4.0f} ms;"
            f"  later {len(later):>3}: p50 {statistics.median(later):>4.0f} ms, p95 {percentile(later, 0.95):>4.0f} ms"
        )
    print()
    slow = [p for p, r in results.items() if percentile(r["latencies"], 0.95) >= 200]
    print("Target p95 < 200 ms:", "met on every page" if not slow else "NOT met on " + ", ".join(slow))


if __name__ == "__main__":
    main()
