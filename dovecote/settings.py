"""Dovecote settings: one module, every value read from the environment through strict helpers."""

import hashlib
import os
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from dovecote.sso import openid_connect_providers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, between: tuple[int, int] | None = None, unit: str = "") -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if between is not None and not between[0] <= number <= between[1]:
        raise ImproperlyConfigured(f"{name} must be between {between[0]} and {between[1]}{unit}, not {number}.")
    return number


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Development-only fallbacks; with DEBUG off the real values are required.
_DEV_SECRET_KEY = "dovecote-insecure-development-key-do-not-use-in-production"
_DEV_FIELD_ENCRYPTION_KEY = "ZG92ZWNvdGUtZGV2LWtleS1ub3QtYS1zZWNyZXQhISE="
_MAKE_FERNET_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
    FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", [_DEV_FIELD_ENCRYPTION_KEY])
else:
    if not os.environ.get("SECRET_KEY"):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, Dovecote needs a long random SECRET_KEY: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not os.environ.get("FIELD_ENCRYPTION_KEY"):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set. With DEBUG off, Dovecote needs a Fernet key to encrypt "
            f"X credentials: generate one with `{_MAKE_FERNET_KEY}`."
        )
    SECRET_KEY = env_str("SECRET_KEY")
    # Comma-separated: the first key encrypts, every key decrypts (for rotation).
    FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", [])

# Refused now, not at the first credential saved or read (the key itself is never repeated in the message).
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key.encode())
    except ValueError:
        _which = f"key {_position} of {len(FIELD_ENCRYPTION_KEYS)}" if len(FIELD_ENCRYPTION_KEYS) > 1 else "it"
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEY is not a valid Fernet key ({_which} is not 32 url-safe base64-encoded bytes). "
            f"Generate one with `{_MAKE_FERNET_KEY}`; to rotate, put the new key first and keep the old ones after "
            "it, separated by commas."
        ) from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_rq",
    "rules.apps.AutodiscoverRulesConfig",  # imports every app's rules.py (the permissions core.permissions decides)
    "core",
    "accounts",
    "twitter_api",
    "networks",
    "training",
    "tweets",
    "monitoring",
    "safety",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "core.middleware.RequireMFAMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "dovecote.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "notifications.context_processors.unread_notices",
            ],
        },
    },
    {
        # The rows of the longest tables (a team inbox, the approval queue): see core.tables. Only templates/jinja2/
        # is looked in. A second engine because it pays: bench/page_cost.py (warm, dashboard_load's data) counts
        # 26,549 Python calls per team inbox request with these rows in Jinja2 against 47,619 with the same rows as
        # Django templates (approval queue: 17,696 against 22,107); one inbox page's 50 rows take 0.28 ms of CPU
        # in Jinja2 against 2.0 ms in the Django engine (issue 17).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "core.tables.environment"},
    },
]

# Form widgets render with Jinja2 where Django ships a Jinja2 template for them (see core/forms.py), because it
# pays too: bench/page_cost.py --first-visits counts 54,205 calls per team inbox request (its filters rendered)
# against 56,606 with Django's own renderer; the training requirements' 90 checkboxes take 3.6 ms of CPU against
# 7.3 ms (issue 17).
FORM_RENDERER = "core.forms.FormRenderer"

WSGI_APPLICATION = "dovecote.wsgi.application"

# Database: SQLite by default (WAL + busy timeout so web and workers can share it); DATABASE_URL
# selects PostgreSQL. Tests use TEST_DATABASE_URL (see tests/conftest.py and the Makefile).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Only forms' choice lists iterate querysets with iterator(): small lists, for which a server-side cursor
    # (DECLARE, FETCH, CLOSE) is three round trips instead of one. It also keeps a transaction-pooling
    # PgBouncer in front of PostgreSQL possible.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_dovecote")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-gb"
# Our English for the pages django-allauth draws: its title-case headings and buttons in sentence case.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Media attached to drafts go to the default storage: files under MEDIA_ROOT, or any backend set in STORAGES
# (django-storages for S3). They are never served from MEDIA_URL: tweets' media view checks who is asking.
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"
# X keeps an uploaded media id for a while; one that expires sooner than this margin is uploaded again.
X_MEDIA_REUSE_MARGIN_SECONDS = env_int("X_MEDIA_REUSE_MARGIN_SECONDS", 600)
# Bytes per append request when uploading media to X (X's chunked upload takes up to 1,000 segments).
X_MEDIA_CHUNK_BYTES = env_int("X_MEDIA_CHUNK_BYTES", 4 * 1024 * 1024)
# Front-end packages are installed by npm; whitenoise serves the parts we use from node_modules.
WHITENOISE_USE_FINDERS = True

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Every request reads the session: from the shared cache, falling back to (and written through to) the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 10)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

# --- Sign-in (django-allauth) --------------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# No open sign-up: admins invite users. Set SIGNUP_EMAIL_DOMAINS to allow self sign-up from those domains.
SIGNUP_EMAIL_DOMAINS = env_list("SIGNUP_EMAIL_DOMAINS", [])
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Dovecote"
# The secret shown on the activation page stays the same until enrolment succeeds (accounts.forms).
MFA_FORMS = {"activate_totp": "accounts.forms.ActivateTOTPForm"}

# Optional OpenID Connect single sign-on (for example Microsoft Entra ID).
OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "")
SOCIALACCOUNT_PROVIDERS = {}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        server_url=OIDC_SERVER_URL,
        provider_id=env_str("OIDC_PROVIDER_ID", "entra"),
        name=env_str("OIDC_PROVIDER_NAME", "Microsoft Entra ID"),
        client_id=env_str("OIDC_CLIENT_ID"),
        secret=env_str("OIDC_CLIENT_SECRET"),
    )
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = env_bool("OIDC_EMAIL_AUTHENTICATION", False)

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Dovecote <dovecote@localhost>")
# For the file-based backend (django.core.mail.backends.filebased.EmailBackend): the folder each email is written to.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", "") or None
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Redis and jobs -----------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    "publish": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 120},
    "poll": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
}
RQ = {"WORKER_CLASS": "dovecote.worker.Worker"}  # the job modules loaded once per worker, not per job
# One cache shared by every web process and worker (cached reports and dashboard panels).
# Cached answers belong to one database: two installations sharing a Redis (two demos, staging beside live) must
# never read each other's (one's "this lead has an authenticator" let another's leads skip enrolment).
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "dovecote-" + hashlib.sha256(DATABASE_URL.encode()).hexdigest()[:12])
CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "TIMEOUT": 300,
        # A Redis that does not answer costs a page a second at most: the cache then serves misses (core.cache).
        # An entry written by an earlier release that this one cannot unpickle is a miss (core.cache).
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 2,
            "SERIALIZER": "core.cache.TolerantPickleSerializer",
        },
    }
}
# Tests run jobs in-process unless a test starts real workers.
RQ_ASYNC = env_bool("RQ_ASYNC", True)
RQ_SHOW_ADMIN_LINK = True

# --- Bluesky and Mastodon (networks/) -----------------------------------------------------------------
# When set, every Bluesky request (the account's PDS and the AppView) goes to this base URL: the local sandbox
# (manage.py bluesky_sandbox). Otherwise the service below.
BLUESKY_API_BASE_URL = os.environ.get("BLUESKY_API_BASE_URL", "")
BLUESKY_SERVICE_URL = env_str("BLUESKY_SERVICE_URL", "https://bsky.social")
# When set, every Mastodon request goes to this base URL (the local sandbox, manage.py mastodon_sandbox) instead of
# the account's own instance.
MASTODON_API_BASE_URL = os.environ.get("MASTODON_API_BASE_URL", "")
NETWORK_REQUEST_TIMEOUT_SECONDS = env_float("NETWORK_REQUEST_TIMEOUT_SECONDS", 10.0)

# --- X API --------------------------------------------------------------------------------------
# When set, every X request goes to this base URL (the local sandbox) instead of api.twitter.com.
X_API_BASE_URL = os.environ.get("X_API_BASE_URL", "")
X_CONSUMER_KEY = env_str("X_CONSUMER_KEY", "sandbox-consumer-key")
X_CONSUMER_SECRET = env_str("X_CONSUMER_SECRET", "sandbox-consumer-secret")
X_BEARER_TOKEN = env_str("X_BEARER_TOKEN", "sandbox-bearer-token")
X_REQUEST_TIMEOUT_SECONDS = env_float("X_REQUEST_TIMEOUT_SECONDS", 10.0)
# OAuth 2.0 (Authorization Code with PKCE, a confidential client): what an account authorises so X's Activity API
# pushes its account events (twitter_api/oauth2.py). The sandbox's development values by default. The authorise page
# is X's (https://x.com/i/oauth2/authorize), or the sandbox's when X_API_BASE_URL is set, unless this names another.
X_OAUTH2_CLIENT_ID = env_str("X_OAUTH2_CLIENT_ID", "sandbox-oauth2-client-id")
X_OAUTH2_CLIENT_SECRET = env_str("X_OAUTH2_CLIENT_SECRET", "sandbox-oauth2-client-secret")
X_OAUTH2_AUTHORIZE_URL = os.environ.get("X_OAUTH2_AUTHORIZE_URL", "")
X_QUERY_LENGTH_LIMIT = env_int("X_QUERY_LENGTH_LIMIT", 512)
# X's price list in US dollars (pay-per-use rate card, docs.x.com/x-api/getting-started/pricing) and the day it
# was taken from X: a department changes them here or in the environment, without a release (twitter_api/prices.py).
X_PRICES_TAKEN = env_str("X_PRICES_TAKEN", "2026-08-13")
X_PRICE_PER_POST_READ = env_float("X_PRICE_PER_POST_READ", 0.005)
X_PRICE_PER_POST_CREATED = env_float("X_PRICE_PER_POST_CREATED", 0.015)
X_PRICE_PER_POST_WITH_URL = env_float("X_PRICE_PER_POST_WITH_URL", 0.20)
X_PRICE_PER_SUMMONED_REPLY = env_float("X_PRICE_PER_SUMMONED_REPLY", 0.010)
X_PRICE_PER_MEDIA_METADATA = env_float("X_PRICE_PER_MEDIA_METADATA", 0.005)
# Deleting a post: X's docs give no bucket; its own estimator counts it as Content: Manage (unconfirmed).
X_PRICE_PER_POST_DELETED = env_float("X_PRICE_PER_POST_DELETED", 0.005)
# X Activity API events delivered on the stream (pricing page, 2026-08-13): a post event (post.create, a mention)
# $0.005, a profile change $0.005. X's table bills post.delete at nothing where its XAA introduction bills every post
# event as a post: the higher is charged, so the meter is never below the bill.
X_PRICE_PER_ACTIVITY_POST_EVENT = env_float("X_PRICE_PER_ACTIVITY_POST_EVENT", 0.005)
X_PRICE_PER_ACTIVITY_PROFILE_EVENT = env_float("X_PRICE_PER_ACTIVITY_PROFILE_EVENT", 0.005)
X_PRICE_PER_USER_READ = env_float("X_PRICE_PER_USER_READ", 0.010)  # User: Read, per user returned
X_MONTHLY_READ_BUDGET = env_int("X_MONTHLY_READ_BUDGET", 100_000)
# Posts due together are claimed this many at a time, with this many calls to X in flight per batch.
PUBLISH_BATCH_SIZE = env_int("PUBLISH_BATCH_SIZE", 25)
PUBLISH_CONCURRENCY = env_int("PUBLISH_CONCURRENCY", 8)

# --- Monitoring ---------------------------------------------------------------------------------
TRIAGE_TEAM_SLUG = env_str("TRIAGE_TEAM_SLUG", "digital-communications")
# Hours to answer an inbox item, by priority.
MONITORING_DUE_HOURS = {
    priority: env_int(f"MONITORING_DUE_HOURS_{priority.upper()}", hours, between=(1, 720), unit=" (hours)")
    for priority, hours in {"urgent": 2, "high": 8, "normal": 24, "low": 72}.items()
}
# Pages read per poll before the rest waits for the next cycle.
MONITORING_MAX_PAGES = env_int("MONITORING_MAX_PAGES", 10)
MONITORING_TIMELINE_INTERVAL = env_int("MONITORING_TIMELINE_INTERVAL", 120)
# Keep our own handles out of monitors' searches: the mentions poll already reads (and pays for) those posts.
MONITORING_EXCLUDE_OWN_MENTIONS = env_bool("MONITORING_EXCLUDE_OWN_MENTIONS", True)
# "search": read every account's mentions with one packed search (a post naming two accounts is read once);
# "timeline": one mentions timeline per account.
MONITORING_MENTIONS_SOURCE = env_str("MONITORING_MENTIONS_SOURCE", "search")
if MONITORING_MENTIONS_SOURCE not in {"search", "timeline"}:
    raise ImproperlyConfigured("MONITORING_MENTIONS_SOURCE must be 'search' or 'timeline'.")
# Own posts' figures (monitoring.post_metrics): read this many hours after each post is published (1 h, 24 h,
# 7 days by default). A snapshot not read by twice its time (the read budget used up, X credits blocked) is skipped.
try:
    POST_METRICS_CHECKPOINTS_HOURS = sorted(
        {int(h) for h in env_list("POST_METRICS_CHECKPOINTS_HOURS", ["1", "24", "168"])}
    )
except ValueError:
    raise ImproperlyConfigured(
        "POST_METRICS_CHECKPOINTS_HOURS must be whole numbers of hours, e.g. 1,24,168."
    ) from None
if not POST_METRICS_CHECKPOINTS_HOURS or not all(0 < h <= 24 * 28 for h in POST_METRICS_CHECKPOINTS_HOURS):
    raise ImproperlyConfigured("POST_METRICS_CHECKPOINTS_HOURS must be between 1 and 672 hours (X's 30 days).")
# How mentions and account events arrive: "poll" (the poll cycle reads them) or "push" (the `stream` process holds
# X's Activity API stream open; polling takes over for an account while the stream is down: monitoring/push.py).
INGESTION = env_str("INGESTION", "poll")
if INGESTION not in {"poll", "push"}:
    raise ImproperlyConfigured("INGESTION must be 'poll' or 'push'.")
# The stream's keep-alive interval at X (a blank line every 20 s); no byte for STREAM_STALL_FACTOR times that is a
# stall, and the worker reconnects. Polling takes the streamed accounts back after STREAM_FALLBACK_SECONDS down.
STREAM_KEEPALIVE_SECONDS = env_float("STREAM_KEEPALIVE_SECONDS", 20.0)
STREAM_STALL_FACTOR = env_float("STREAM_STALL_FACTOR", 2.5)
STREAM_FALLBACK_SECONDS = env_int("STREAM_FALLBACK_SECONDS", 180)
# The worker stores pushed mentions in batches: every STREAM_BATCH_SIZE events or STREAM_FLUSH_MS, whichever first.
STREAM_BATCH_SIZE = env_int("STREAM_BATCH_SIZE", 500)
STREAM_FLUSH_MS = env_int("STREAM_FLUSH_MS", 200)

# --- Safety: the takeover tripwire --------------------------------------------------------------------
# How often each governed account's own posts are read, in seconds. A read that finds nothing new is not billed
# and each post is billed once, when first read (Posts: Read, $0.005): at 30 posts a day about $4.50 a month per
# account, whatever the interval. At 5 s: 180 reads per 15 minutes, within X's limit per user (1,500).
SAFETY_POSTS_INTERVAL = env_int("SAFETY_POSTS_INTERVAL", 5, between=(2, 3600), unit=" (seconds)")
# How often each profile is read: every read is billed (User: Read, $0.010), so at 900 s, 2,880 reads a month cost
# $28.80 per account (at 60 s it would be $432). X's push events (profile.update.*) tell sooner where streamed.
SAFETY_PROFILE_INTERVAL = env_int("SAFETY_PROFILE_INTERVAL", 900, between=(60, 86_400), unit=" (seconds)")
# The department's security contact, emailed about every possible takeover (comma-separated for several).
SECURITY_CONTACT_EMAIL = env_list("SECURITY_CONTACT_EMAIL", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_without_traceback": {"()": "core.logs.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own logger would print through its default console handler and then again through the root's.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
