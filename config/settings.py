"""caredesk settings, read from the environment.

Local use needs no configuration at all: data lives under ``./data`` and a secret key
is generated there on first start. Production (``CAREDESK_ENV=production``) refuses to
start with unsafe settings and says exactly which variable is wrong.
See docs/configuration.md for every variable.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("CAREDESK_TESTING", False)
ENVIRONMENT = env_str("CAREDESK_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("CAREDESK_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(env_str("CAREDESK_DATA_DIR", str(BASE_DIR / "data"))).resolve()


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if PRODUCTION and (len(key) < 50 or len(set(key)) < 5):
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when CAREDESK_ENV=production")
    if TESTING:
        return "caredesk-tests-only-" + "x" * 40
    # Local use: generate once and keep it in the data folder (git-ignored).
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when CAREDESK_ENV=production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names caredesk is served on")
if TESTING:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

SITE_URL = env_str("CAREDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "caredesk.core",
    "caredesk.accounts",
    "caredesk.customers",
    "caredesk.tickets",
    "caredesk.sla",
    "caredesk.escalations",
    "caredesk.feedback",
    "caredesk.kb",
    "caredesk.enrichment",
    "caredesk.records",
    "caredesk.customfields",
    "caredesk.policies",
    "caredesk.promises",
    "caredesk.resolutions",
    "caredesk.incidents",
    "caredesk.macros",
    "caredesk.savedviews",
    "caredesk.automations",
    "caredesk.offers",
    "caredesk.privacy",
    "caredesk.selfservice",
    "caredesk.channels.phone",
    "caredesk.reports",
    "caredesk.channels.email",
    "caredesk.channels.portal",
    "caredesk.channels.api",
    "caredesk.channels.webhooks",
    "caredesk.workspace",
    "caredesk.ops",
    "caredesk.imports",
]

MIDDLEWARE = [
    "caredesk.ops.logs.RequestIdMiddleware",
    "caredesk.ops.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "caredesk.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff pages in the staff member's language and time zone (ADR 0036); then the
    # portal and help centre in the customer's language.
    "caredesk.accounts.locale.StaffLocaleMiddleware",
    "caredesk.channels.portal.language.PortalLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "caredesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "caredesk.core.context.site",
            ],
        },
    }
]


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{DATA_DIR / 'caredesk.sqlite3'}"
    url = env_str("DATABASE_URL", default_url)
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:  # dj-database-url raises plain ValueErrors
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets the web server read while the worker writes.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL")
    if TESTING:
        config["TEST"] = {"NAME": env_str("CAREDESK_TEST_DB_NAME") or None}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The first only loads the signed-in user (with their TOTP state, in one query); the second
# checks passwords. See caredesk/accounts/backends.py.
AUTHENTICATION_BACKENDS = [
    "caredesk.accounts.backends.SignedInUserBackend",
    # Single sign-on sessions whose provider did the second factor (docs/single-sign-on.md).
    "caredesk.accounts.backends.ProviderTwoFactorBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id at OWASP's minimum (19 MiB, t=2, p=1) instead of Django's 100 MiB; it reads
# every existing Argon2 hash and rehashes it on the next sign-in (ADR 0019). Django's own
# Argon2 hasher is not listed: it has the same algorithm name and would shadow this one.
PASSWORD_HASHERS = [
    "caredesk.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
# The customer's side (portal, help centre, customer mails) speaks these; the staff UI
# stays English (docs/languages.md, docs/adr/0033). Catalogues: caredesk/locale/<lang>/
# django.po, compiled to .mo by ``make install`` and the test session (never committed).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "caredesk" / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "caredesk" / "static"]
MEDIA_ROOT = Path(env_str("CAREDESK_MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Uploads: one attachment and one request are bounded; the error says so.
CAREDESK_MAX_ATTACHMENT_BYTES = env_int("CAREDESK_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
CAREDESK_MAX_ATTACHMENTS = env_int("CAREDESK_MAX_ATTACHMENTS", 10)
CAREDESK_MAX_BODY_CHARS = env_int("CAREDESK_MAX_BODY_CHARS", 100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("CAREDESK_BEHIND_PROXY", False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cache: rate limits and presence need a cache shared by every web process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "caredesk_cache",
    }
}
# With REDIS_URL (redis://host:6379/0), the cache, rate limits and presence live in Redis,
# shared by every web process on every machine; keys start with the prefix (docs/scaling.md).
REDIS_URL = env_str("REDIS_URL")
CAREDESK_REDIS_KEY_PREFIX = env_str("CAREDESK_REDIS_KEY_PREFIX", "caredesk")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CAREDESK_REDIS_KEY_PREFIX,
    }
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
if env_bool("CAREDESK_BEHIND_PROXY", False):
    # Otherwise every visitor would share the proxy's address and one limit.
    RATELIMIT_IP_META_KEY = "caredesk.core.ratelimit.client_ip"

# Background tasks: the database is the queue (django-tasks-db), or with
# CAREDESK_TASK_BACKEND=rq, RQ on the Redis at REDIS_URL (docs/adr/0026).
CAREDESK_TASK_BACKEND = env_str("CAREDESK_TASK_BACKEND", "database")
if CAREDESK_TASK_BACKEND not in ("database", "rq"):
    raise ImproperlyConfigured("CAREDESK_TASK_BACKEND must be 'database' or 'rq'")
if CAREDESK_TASK_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("CAREDESK_TASK_BACKEND=rq needs REDIS_URL (the Redis RQ uses)")
# The longest one task may run on RQ before it is stopped and retried (seconds).
CAREDESK_TASK_TIMEOUT_SECONDS = env_int("CAREDESK_TASK_TIMEOUT_SECONDS", 900)
if CAREDESK_TASK_TIMEOUT_SECONDS < 10:
    raise ImproperlyConfigured("CAREDESK_TASK_TIMEOUT_SECONDS must be 10 or more")
TASKS: dict[str, dict[str, Any]] = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# On RQ, a task that raises runs again after these delays (seconds, comma-separated; the
# last one repeats), for at most CAREDESK_TASK_MAX_RUNS runs in all.
try:
    CAREDESK_TASK_RETRY_DELAYS = [
        int(d) for d in env_list("CAREDESK_TASK_RETRY_DELAYS", ["10", "60", "300", "900"])
    ]
except ValueError:
    raise ImproperlyConfigured(
        "CAREDESK_TASK_RETRY_DELAYS must be whole seconds, comma-separated"
    ) from None
if not CAREDESK_TASK_RETRY_DELAYS or min(CAREDESK_TASK_RETRY_DELAYS) < 0:
    raise ImproperlyConfigured("CAREDESK_TASK_RETRY_DELAYS must list delays of 0 s or more")
# django-rq's queues; django-tasks' queue name "default" is the RQ queue of that name.
RQ_QUEUES: dict[str, dict[str, Any]] = {
    "default": {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": CAREDESK_TASK_TIMEOUT_SECONDS,
    },
}
if CAREDESK_TASK_BACKEND == "rq":
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
    TASKS = {"default": {"BACKEND": "caredesk.core.redis_queue.RQBackend", "QUEUES": ["default"]}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The event log's wiring (caredesk/core/events.py, docs/adr/0006-one-spine.md).
# Reactions run inside the transaction that emitted the event: {kind: [dotted paths]},
# "*" for every kind. Consumers get the ids of committed events after commit.
# A reaction gets, once per emit, every event of the kinds it is listed under; the apps
# above tickets follow the cases this way, without tickets importing them
# (docs/adr/0007-cross-app-reactions.md).
_SLA = "caredesk.sla.reactions.update_deadlines"
_PROMISES = "caredesk.promises.reactions.keep_promises"
# Abuse scoring (P10) and sentiment (P4) of customer messages, one task after commit.
_ENRICH = "caredesk.enrichment.reactions.enrich_customer_messages"
_ESCALATE = "caredesk.escalations.reactions.escalate_misses"
_RESOLUTIONS = "caredesk.resolutions.reactions.follow_status"
_CLOSE_SOLVED = "caredesk.escalations.reactions.close_solved"  # a breach's reply closes it
_TOLD = "caredesk.policies.reactions.record_reply_acknowledgements"
# A reply sent after a coverage warning records the warning and the decision (P3).
_COVERAGE = "caredesk.enrichment.reactions.record_reply_coverage"
_CSAT = "caredesk.feedback.reactions.plan_surveys"  # a closed case gets its survey planned
# Automations (docs/automations.md), last, after the reactions above (they see the
# finished change): state events start and stop time automations' clocks, then the
# event automations run.
_AUTOMATE = "caredesk.automations.reactions.follow_events"
# A staff member cannot resolve or close a case while a field required then is empty.
_REQUIRED_FIELDS = "caredesk.customfields.checks.required_fields"
CAREDESK_EVENT_REACTIONS: dict[str, list[str]] = {
    # A new case of a customer an open incident affects is linked and answered.
    "case.created": [_SLA, "caredesk.incidents.reactions.link_new_cases", _AUTOMATE],
    # A case brought in from another desk is history, not news (ADR 0037): its SLA
    # deadlines (open cases) and its skipped survey (closed ones); no automation.
    "case.imported": [_SLA, "caredesk.feedback.reactions.skip_imported_surveys"],
    # Replies keep promises and record the policies inserted into them; customers' are scored.
    # An agent's Cc'd addresses become the case's email participants (docs/replies.md).
    "message.added": [
        _PROMISES,
        _SLA,
        _ENRICH,
        _CLOSE_SOLVED,
        _TOLD,
        _COVERAGE,
        "caredesk.channels.email.reactions.cc_become_participants",
        _AUTOMATE,
    ],
    "case.assigned": [_SLA, _AUTOMATE],
    "status.changed": [
        _REQUIRED_FIELDS,  # first: a refused change does no other work
        _PROMISES,
        _SLA,
        _RESOLUTIONS,
        _CLOSE_SOLVED,
        _CSAT,
        _AUTOMATE,
    ],  # resolving keeps fix promises
    # Also resolved -> closed (the verb of any change from a done status).
    "case.reopened": [
        _REQUIRED_FIELDS,
        _PROMISES,
        _SLA,
        _RESOLUTIONS,
        _CLOSE_SOLVED,
        _CSAT,
        _AUTOMATE,
    ],
    "priority.changed": [_SLA, _AUTOMATE],
    "tags.changed": [_AUTOMATE],
    "sla.warning": [_AUTOMATE],
    "sla.breached": [_ESCALATE, _AUTOMATE],
    "promise.missed": [_ESCALATE, _AUTOMATE],
    # A merge: the source's promises, open escalation and email participants follow it,
    # its clocks stop (docs/merge-and-links.md).
    "case.merged": [
        "caredesk.promises.reactions.follow_merges",
        "caredesk.escalations.reactions.follow_merges",
        "caredesk.channels.email.reactions.follow_merges",
        _SLA,
        _AUTOMATE,
    ],
    # A deactivated person's open cases go back to their team's queue.
    "staff.deactivated": ["caredesk.tickets.reactions.release_cases_of_deactivated_staff"],
}
CAREDESK_EVENT_CONSUMERS: list[str] = ["caredesk.channels.webhooks.consumer.on_events"]
# The webhook endpoints an automation's "call a webhook" step may name (the webhooks
# channel sits above automations; docs/automations.md).
CAREDESK_AUTOMATION_WEBHOOK_TARGETS = "caredesk.channels.webhooks.consumer.automation_targets"
# Apps above core that fill part of a mail (caredesk/core/outbox.py hook_context):
# {mail name: [dotted paths]}. The reply that resolves a case may carry an offer, only
# when the P4 lock is open (caredesk/offers/lock.py).
CAREDESK_MAIL_CONTEXT_HOOKS: dict[str, list[str]] = {
    "reply": ["caredesk.offers.mail.offers_context"],
}
# More eligibility rules for offers (caredesk/offers/eligibility.py): dotted paths to
# rule(offer, customer, now) -> reason | None. Record rules plug in here.
CAREDESK_OFFER_ELIGIBILITY_RULES: list[str] = []
# Every timer (caredesk/core/deadlines.py): {kind: {"model", "field", "filter", "fire"}}.
# The deadline sits on its own row in an indexed column; "fire" is the do_* action.
# Each fire(pk, now) is idempotent and moves or clears the row's deadline once it acted.
CAREDESK_DEADLINES: dict[str, dict[str, object]] = {
    "sla.alarm": {  # the case's next SLA warning or breach
        "model": "tickets.Ticket",
        "field": "sla_alarm_at",
        "fire": "caredesk.sla.actions.do_fire_alarms",
    },
    "promise.alarm": {  # reminder, miss, escalation, honest update
        "model": "promises.Promise",
        "field": "alarm_at",
        "fire": "caredesk.promises.actions.do_fire_promise_alarm",
    },
    "escalation.decision": {  # unanswered: up a level
        "model": "escalations.Escalation",
        "field": "due_at",
        "filter": {"status": "open"},
        "fire": "caredesk.escalations.actions.step_up_escalation",
    },
    "approval.decision": {  # undecided: up a level
        "model": "escalations.ApprovalRequest",
        "field": "due_at",
        "filter": {"status": "pending"},
        "fire": "caredesk.escalations.actions.step_up_approval",
    },
    "escalation.step_up": {  # a share of the window passed unanswered: up a level early
        "model": "escalations.Escalation",
        "field": "step_up_at",
        "filter": {"status": "open"},
        "fire": "caredesk.escalations.actions.step_up_escalation_early",
    },
    "approval.step_up": {  # a share of the window passed undecided: up a level early
        "model": "escalations.ApprovalRequest",
        "field": "step_up_at",
        "filter": {"status": "pending"},
        "fire": "caredesk.escalations.actions.step_up_approval_early",
    },
    "outbox.retry": {  # queued or retrying mail, and sends a dead worker left half-done
        "model": "core.OutboundEmail",
        "field": "next_attempt_at",
        "filter": {"state__in": ["queued", "retrying", "sending"]},
        "fire": "caredesk.core.outbox.deliver",
    },
    "resolution.confirm": {  # "Is this solved?" unanswered: closed as unconfirmed
        "model": "resolutions.Resolution",
        "field": "confirm_due_at",
        "filter": {"outcome": "pending"},
        "fire": "caredesk.resolutions.actions.do_close_unconfirmed",
    },
    "selfservice.outcome": {  # no outcome from the business in time: a case for staff
        "model": "selfservice.SelfServiceRequest",
        "field": "outcome_due_at",
        "filter": {"status": "requested"},
        "fire": "caredesk.selfservice.actions.do_fire_outcome_deadline",
    },
    "csat.send": {  # a closed case's satisfaction survey, mailed after the delay
        "model": "feedback.Survey",
        "field": "send_at",
        "filter": {"state": "waiting"},
        "fire": "caredesk.feedback.actions.do_send_survey",
    },
    "automation.timer": {  # a case stayed in a time automation's state long enough
        "model": "automations.Timer",
        "field": "due_at",
        "fire": "caredesk.automations.actions.do_fire_timer",
    },
    "webhook.retry": {  # a waiting delivery: a retry, or a first try whose task never ran
        "model": "webhooks.Delivery",
        "field": "next_attempt_at",
        "filter": {"state": "pending", "endpoint__is_active": True},
        "fire": "caredesk.channels.webhooks.actions.do_fire_retry",
    },
}
# Run by the worker every minute (caredesk.core.periodic); each job(now) is idempotent.
CAREDESK_PERIODIC_JOBS = [
    # Before the deadlines: an away owner's promise goes to the lead before it reminds.
    "caredesk.promises.tasks.hand_over_away",
    "caredesk.core.deadlines.sweep",
    "caredesk.channels.email.jobs.housekeeping",
    "caredesk.reports.aggregates.refresh_job",
    "caredesk.core.retention.purge",
    "caredesk.core.notification_prefs.send_digests",
    "caredesk.channels.webhooks.jobs.purge_log",
    "caredesk.core.recovery.recover_lost_tasks",
    "caredesk.accounts.throttle.forget_old",
]
# Staff time the reports count as handle time (caredesk/reports/care.py): functions
# (start, end) -> (case id, seconds) of the time logged in that period.
CAREDESK_REPORT_HANDLE_TIME = ["caredesk.channels.phone.report_source.call_seconds"]
# Addresses that are ours besides the desk address and CAREDESK_EMAIL_OWN_ADDRESSES (the
# outbox never mails them; intake never answers them): callables returning addresses.
# Extra placeholders for macro reply text (docs/macros.md): dotted paths to objects with
# names() and values(ticket, now), e.g. the policies app's "policy.<slug>" texts.
CAREDESK_MACRO_PLACEHOLDER_SOURCES: list[str] = []
CAREDESK_OWN_ADDRESS_SOURCES = ["caredesk.channels.email.loops.mailbox_addresses"]
# A worker's lease lasts this long and is renewed every sixth of it; a task left RUNNING
# by a worker whose lease ran out goes back in the queue, for at most
# CAREDESK_TASK_MAX_RUNS runs in all (caredesk/core/leases.py, recovery.py).
CAREDESK_WORKER_LEASE_SECONDS = env_int("CAREDESK_WORKER_LEASE_SECONDS", 30)
CAREDESK_TASK_MAX_RUNS = env_int("CAREDESK_TASK_MAX_RUNS", 5)
# What the hourly retention job deletes (caredesk/core/retention.py): {what: dotted path
# of a function purge(now) -> rows deleted}. Each app lists its own short-lived rows here.
CAREDESK_PURGE_JOBS = {
    "idempotency keys": "caredesk.channels.api.idempotency.purge_expired",
    "sign-in links": "caredesk.channels.portal.retention.purge_expired_links",
    "task results": "caredesk.core.retention.purge_task_results",
    "effect claims": "caredesk.core.retention.purge_effect_claims",
    "retention rules": "caredesk.privacy.retention.purge",
}
# What each app holds about a customer, for export and erasure (caredesk/privacy/parts.py,
# docs/privacy.md). Case rows: {model: (lookup to the case, free-text fields)}.
CAREDESK_PRIVACY_CASE_TEXT = {
    "promises.Promise": ("ticket", ["text", "callback_number", "kept_note", "cancel_note"]),
    "promises.PromiseChange": ("promise__ticket", ["reason"]),
    "escalations.Escalation": ("ticket", ["reason", "handoff_summary", "resolution"]),
    "escalations.ApprovalRequest": ("ticket", ["reason", "decision_reason"]),
    "escalations.GoodwillAction": ("ticket", ["reason"]),
    "escalations.ProtectedConversation": ("ticket", ["reason"]),
    "feedback.Feedback": ("ticket", ["body", "review_reason"]),
    "feedback.Survey": ("ticket", ["comment"]),
    "phone.CallLog": ("ticket", ["number", "notes"]),
}
# Customer rows: {model: (lookup to the customer id, free-text fields)}.
CAREDESK_PRIVACY_CUSTOMER_TEXT = {
    "policies.Acknowledgement": ("customer_id", ["evidence_ref", "evidence_text"]),
    "selfservice.SelfServiceRequest": ("customer_id", ["details", "reason"]),
}
# Tied to cases or customers but holding no personal text (ids, scores, timings).
CAREDESK_PRIVACY_NO_TEXT = [
    "automations.Timer",
    "automations.Run",
    "incidents.Affected",
    "incidents.Notice",
    "incidents.OptOut",
    "incidents.LinkedCase",
    "tickets.Ticket",
    "tickets.Message",
    "tickets.Attachment",
    "tickets.AuditEvent",
    "tickets.SearchEntry",
    "tickets.CaseLink",
    # Minutes an agent recorded (staff's data, ids and numbers; docs/replies.md).
    "tickets.TimeEntry",
    "customers.ContactIdentity",
    "records.Record",
    "records.CaseRecordLink",
    "sla.CaseSla",
    "enrichment.MessageAbuse",
    "enrichment.CustomerAttention",
    "enrichment.MessageSentiment",
    "enrichment.CaseMood",
    "resolutions.Resolution",
    "offers.OfferMade",
    "macros.MacroUse",
    "portal.MagicLink",
    "privacy.LegalHold",
    "privacy.ErasedCase",
    "privacy.ErasedCustomer",
    "email.RawMessage",
    "email.CaseParticipant",
    "email.Bounce",
    "workspace.CasePresence",
    "kb.Deflection",
]
# Modules for what needs more than blanking text (raw mail): see caredesk/privacy/parts.py.
CAREDESK_PRIVACY_PARTS = ["caredesk.channels.email.privacy", "caredesk.customfields.privacy"]
# Finished background-task results are deleted after this many days (failed ones later,
# so admins can look into them). See caredesk/core/retention.py.
CAREDESK_TASK_RESULT_DAYS = env_int("CAREDESK_TASK_RESULT_DAYS", 7)
CAREDESK_FAILED_TASK_RESULT_DAYS = env_int("CAREDESK_FAILED_TASK_RESULT_DAYS", 30)
# Promises: remind the owner this long before due; after a miss, give the lead this long
# to take over before the customer gets the honest update.
CAREDESK_PROMISE_REMINDER_MINUTES = env_int("CAREDESK_PROMISE_REMINDER_MINUTES", 60)
CAREDESK_PROMISE_GRACE_MINUTES = env_int("CAREDESK_PROMISE_GRACE_MINUTES", 30)
# Next case serves the agent's own due work before the queue: fn(agent, now) -> (case,
# message) | None, first answer wins (caredesk/sla/queue.py). A promise of theirs that
# falls due within the reminder lead time comes first, so it is never overlooked.
CAREDESK_NEXT_CASE_FIRST = ["caredesk.promises.selectors.due_promise_case"]
# The fair queue serves a waiting case by its tier bound (earliest first) once the bound
# is this close (wall-clock minutes), so cases are taken before their bound, not after.
# 0: only once the bound has passed (the behaviour before issue 15's fix).
CAREDESK_QUEUE_BOUND_LEAD_MINUTES = env_int("CAREDESK_QUEUE_BOUND_LEAD_MINUTES", 240)

# Email.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "caredesk <support@caredesk.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CAREDESK_MAGIC_LINK_MINUTES = env_int("CAREDESK_MAGIC_LINK_MINUTES", 15)
CAREDESK_REFERENCE_PREFIX = env_str("CAREDESK_REFERENCE_PREFIX", "CD")


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


# Escalations and approvals (business minutes where a calendar applies); the promise
# timings are set with the periodic jobs above.
CAREDESK_ESCALATION_MINUTES = env_int("CAREDESK_ESCALATION_MINUTES", 240)
CAREDESK_DECISION_MINUTES = env_int("CAREDESK_DECISION_MINUTES", 240)
CAREDESK_CURRENCY = env_str("CAREDESK_CURRENCY", "EUR")
# Abuse protection: messages scoring at or above the threshold are hidden behind a click.
CAREDESK_ABUSE_THRESHOLD = env_float("CAREDESK_ABUSE_THRESHOLD", 0.7)
if not 0 < CAREDESK_ABUSE_THRESHOLD <= 1:
    raise ImproperlyConfigured("CAREDESK_ABUSE_THRESHOLD must be between 0 and 1")
CAREDESK_ABUSE_REPEAT_FLAGS = env_int("CAREDESK_ABUSE_REPEAT_FLAGS", 3)
# Outbound webhooks (docs/webhooks.md). Private, loopback and link-local addresses are
# refused unless allowed (development and tests only); timeouts are per attempt, seconds.
CAREDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("CAREDESK_WEBHOOK_ALLOW_PRIVATE", not PRODUCTION)
CAREDESK_WEBHOOK_CONNECT_TIMEOUT = env_float("CAREDESK_WEBHOOK_CONNECT_TIMEOUT", 5.0)
CAREDESK_WEBHOOK_READ_TIMEOUT = env_float("CAREDESK_WEBHOOK_READ_TIMEOUT", 10.0)
CAREDESK_WEBHOOK_LOG_DAYS = env_int("CAREDESK_WEBHOOK_LOG_DAYS", 30)  # finished deliveries
if not (0 < CAREDESK_WEBHOOK_CONNECT_TIMEOUT <= 60 and 0 < CAREDESK_WEBHOOK_READ_TIMEOUT <= 120):
    raise ImproperlyConfigured(
        "CAREDESK_WEBHOOK_CONNECT_TIMEOUT must be 0-60 s and CAREDESK_WEBHOOK_READ_TIMEOUT 0-120 s"
    )
# API rate limits per token, and for failed sign-ins per address (django-ratelimit syntax).
CAREDESK_API_RATE = env_str("CAREDESK_API_RATE", "600/m")
CAREDESK_API_FAILED_AUTH_RATE = env_str("CAREDESK_API_FAILED_AUTH_RATE", "120/m")

# Logs: one line per record on the console, with the request id (docs/operations.md);
# CAREDESK_LOG_FORMAT=json writes one JSON object per line for log shippers.
CAREDESK_LOG_FORMAT = env_str("CAREDESK_LOG_FORMAT", "plain")
if CAREDESK_LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("CAREDESK_LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "caredesk.ops.logs.RequestIdFilter"},
        "redact": {"()": "caredesk.ops.logs.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": CAREDESK_LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # pysaml2 logs names, attributes and whole SAML messages (even at ERROR); caredesk
        # logs the reason of a refusal itself (caredesk.workspace.saml_views).
        "saml2": {"level": "CRITICAL"},
        "xmlschema": {"level": "WARNING"},
    },
}

# Roles that must use two-factor sign-in (docs/configuration.md#staff-sign-in): someone in
# one without an authenticator is held on their account page until they set one up.
CAREDESK_TWO_FACTOR_ROLES = env_list(
    "CAREDESK_TWO_FACTOR_ROLES", ["admin", "manager"] if PRODUCTION else []
)
_UNKNOWN_ROLES = set(CAREDESK_TWO_FACTOR_ROLES) - {"agent", "lead", "manager", "admin"}
if _UNKNOWN_ROLES:
    raise ImproperlyConfigured(
        "CAREDESK_TWO_FACTOR_ROLES lists unknown roles: " + ", ".join(sorted(_UNKNOWN_ROLES))
    )

# Single sign-on for staff with OpenID Connect (docs/single-sign-on.md, ADR 0032). Off
# unless the issuer and client id are set. Groups: "group=role[:team],..." (the groups
# claim of the ID token); a person in no mapped group is refused.
CAREDESK_OIDC_ISSUER = env_str("CAREDESK_OIDC_ISSUER")
CAREDESK_OIDC_CLIENT_ID = env_str("CAREDESK_OIDC_CLIENT_ID")
CAREDESK_OIDC_CLIENT_SECRET = env_str("CAREDESK_OIDC_CLIENT_SECRET")
CAREDESK_OIDC_SCOPES = env_str("CAREDESK_OIDC_SCOPES", "openid email profile groups")
CAREDESK_OIDC_GROUPS_CLAIM = env_str("CAREDESK_OIDC_GROUPS_CLAIM", "groups")
CAREDESK_OIDC_GROUPS = env_str("CAREDESK_OIDC_GROUPS")
CAREDESK_OIDC_PROVIDER_NAME = env_str("CAREDESK_OIDC_PROVIDER_NAME")
# The discovery document and JWKS are cached this long (seconds, at most a day); an ID
# token with an unknown key id refetches the JWKS once.
CAREDESK_OIDC_METADATA_TTL = env_int("CAREDESK_OIDC_METADATA_TTL", 3600)
# Each sign-in brings a known account's role and mapped teams in line with the groups.
CAREDESK_OIDC_SYNC_ROLES = env_bool("CAREDESK_OIDC_SYNC_ROLES", True)
# Off: staff sign in with the provider only; the emergency admins listed below may still
# use their password and TOTP code (they must have an authenticator set up).
CAREDESK_STAFF_PASSWORDS = env_bool("CAREDESK_STAFF_PASSWORDS", True)
CAREDESK_BREAK_GLASS_ADMINS = [e.lower() for e in env_list("CAREDESK_BREAK_GLASS_ADMINS", [])]
if CAREDESK_OIDC_ISSUER and not CAREDESK_OIDC_ISSUER.startswith(("https://", "http://")):
    raise ImproperlyConfigured("CAREDESK_OIDC_ISSUER must be the provider's https:// URL")


def _check_group_rules(setting: str, raw: str) -> None:
    """The same rule as caredesk.accounts.sso.parse_group_rules, checked at start-up:
    entries split by commas (by semicolons or lines when there is one, for DNs), each
    ``group=role[:team]`` where the group may contain "=" (a DN)."""
    roles = {"agent", "lead", "manager", "admin"}
    separated = ";" in raw or "\n" in raw
    entries = raw.replace("\n", ";").split(";") if separated else raw.split(",")
    for rule in filter(None, (r.strip() for r in entries)):
        if not any(
            sep and group.strip() and target.partition(":")[0].strip().lower() in roles
            for group, sep, target in (rule.partition("="), rule.rpartition("="))
        ):
            raise ImproperlyConfigured(
                f"{setting}: {rule[:80]!r} is not group=role[:team] "
                "(role: agent, lead, manager or admin)"
            )


_check_group_rules("CAREDESK_OIDC_GROUPS", CAREDESK_OIDC_GROUPS)

# Staff sign-in with an LDAP / Active Directory password on /login/ (docs/single-sign-on.md
# #ldap-and-active-directory, ADR 0034). Off unless the URL is set. The service account
# (bind DN and password) finds the person; empty: an anonymous search.
CAREDESK_LDAP_URL = env_str("CAREDESK_LDAP_URL")
CAREDESK_LDAP_START_TLS = env_bool("CAREDESK_LDAP_START_TLS", False)
CAREDESK_LDAP_CA_FILE = env_str("CAREDESK_LDAP_CA_FILE")
CAREDESK_LDAP_BIND_DN = env_str("CAREDESK_LDAP_BIND_DN")
CAREDESK_LDAP_BIND_PASSWORD = os.environ.get("CAREDESK_LDAP_BIND_PASSWORD", "")
CAREDESK_LDAP_USER_BASE = env_str("CAREDESK_LDAP_USER_BASE")
CAREDESK_LDAP_USER_FILTER = env_str("CAREDESK_LDAP_USER_FILTER", "(uid=%(user)s)")
CAREDESK_LDAP_EMAIL_ATTRIBUTE = env_str("CAREDESK_LDAP_EMAIL_ATTRIBUTE", "mail")
CAREDESK_LDAP_NAME_ATTRIBUTE = env_str("CAREDESK_LDAP_NAME_ATTRIBUTE", "displayName")
# Empty: the groups are the person's memberOf values; set: a search under this base.
CAREDESK_LDAP_GROUP_BASE = env_str("CAREDESK_LDAP_GROUP_BASE")
CAREDESK_LDAP_GROUP_FILTER = env_str("CAREDESK_LDAP_GROUP_FILTER", "(member=%(dn)s)")
CAREDESK_LDAP_GROUPS = env_str("CAREDESK_LDAP_GROUPS")
CAREDESK_LDAP_PROVIDER_NAME = env_str("CAREDESK_LDAP_PROVIDER_NAME")
CAREDESK_LDAP_SYNC_ROLES = env_bool("CAREDESK_LDAP_SYNC_ROLES", True)
CAREDESK_LDAP_TIMEOUT = env_float("CAREDESK_LDAP_TIMEOUT", 5.0)
if CAREDESK_LDAP_URL:
    if not CAREDESK_LDAP_URL.startswith(("ldap://", "ldaps://")):
        raise ImproperlyConfigured("CAREDESK_LDAP_URL must be an ldap:// or ldaps:// URL")
    if CAREDESK_LDAP_START_TLS and CAREDESK_LDAP_URL.startswith("ldaps://"):
        raise ImproperlyConfigured("CAREDESK_LDAP_START_TLS is for ldap:// URLs (ldaps:// is TLS)")
    if not CAREDESK_LDAP_USER_BASE:
        raise ImproperlyConfigured("CAREDESK_LDAP_URL needs CAREDESK_LDAP_USER_BASE")
    for _name, _template, _key in (
        ("CAREDESK_LDAP_USER_FILTER", CAREDESK_LDAP_USER_FILTER, "user"),
        ("CAREDESK_LDAP_GROUP_FILTER", CAREDESK_LDAP_GROUP_FILTER, "dn"),
    ):
        try:
            _template % {_key: "x"}  # a template that formats, or a clear error now
        except (KeyError, ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{_name}: write a literal % as %% and use only %({_key})s"
            ) from None
        if f"%({_key})s" not in _template:
            raise ImproperlyConfigured(f"{_name} must contain %({_key})s")
    if not 0 < CAREDESK_LDAP_TIMEOUT <= 60:
        raise ImproperlyConfigured("CAREDESK_LDAP_TIMEOUT must be between 0 and 60 seconds")
_check_group_rules("CAREDESK_LDAP_GROUPS", CAREDESK_LDAP_GROUPS)

# Single sign-on for staff with SAML 2.0 (docs/single-sign-on.md#saml-20, ADR 0035). Off
# unless the IdP's metadata is set: its XML, or the path of a file holding it. Groups as
# for OpenID Connect ("group=role[:team],...", from the groups attribute).
CAREDESK_SAML_IDP_METADATA = env_str("CAREDESK_SAML_IDP_METADATA")
# caredesk's entity id at the IdP; by default its metadata URL.
CAREDESK_SAML_SP_ENTITY_ID = env_str("CAREDESK_SAML_SP_ENTITY_ID")
# With both set, AuthnRequests are signed (and the certificate is in caredesk's metadata).
CAREDESK_SAML_SP_KEY_FILE = env_str("CAREDESK_SAML_SP_KEY_FILE")
CAREDESK_SAML_SP_CERT_FILE = env_str("CAREDESK_SAML_SP_CERT_FILE")
CAREDESK_SAML_PROVIDER_NAME = env_str("CAREDESK_SAML_PROVIDER_NAME")
CAREDESK_SAML_GROUPS = env_str("CAREDESK_SAML_GROUPS")
CAREDESK_SAML_SYNC_ROLES = env_bool("CAREDESK_SAML_SYNC_ROLES", True)
CAREDESK_SAML_EMAIL_ATTRIBUTE = env_str("CAREDESK_SAML_EMAIL_ATTRIBUTE", "email")
CAREDESK_SAML_NAME_ATTRIBUTE = env_str("CAREDESK_SAML_NAME_ATTRIBUTE", "displayName")
CAREDESK_SAML_GROUPS_ATTRIBUTE = env_str("CAREDESK_SAML_GROUPS_ATTRIBUTE", "groups")
# AuthnContextClassRef values that count as the IdP's second factor (otherwise caredesk's
# own TOTP code is asked). Empty: caredesk.accounts.saml.DEFAULT_MFA_CONTEXTS.
CAREDESK_SAML_MFA_CONTEXTS = env_list("CAREDESK_SAML_MFA_CONTEXTS", [])
_check_group_rules("CAREDESK_SAML_GROUPS", CAREDESK_SAML_GROUPS)
if bool(CAREDESK_SAML_SP_KEY_FILE) != bool(CAREDESK_SAML_SP_CERT_FILE):
    raise ImproperlyConfigured(
        "CAREDESK_SAML_SP_KEY_FILE and CAREDESK_SAML_SP_CERT_FILE go together (signed requests)"
    )
# Staff must have some way in: OpenID Connect, SAML or the directory.
_SSO_ON = bool(CAREDESK_OIDC_ISSUER and CAREDESK_OIDC_CLIENT_ID) or bool(CAREDESK_SAML_IDP_METADATA)
if not CAREDESK_STAFF_PASSWORDS and not (_SSO_ON or CAREDESK_LDAP_URL):
    raise ImproperlyConfigured(
        "CAREDESK_STAFF_PASSWORDS=off needs single sign-on (CAREDESK_OIDC_ISSUER and "
        "CAREDESK_OIDC_CLIENT_ID, or CAREDESK_SAML_IDP_METADATA) or the directory "
        "(CAREDESK_LDAP_URL): staff would have no way to sign in"
    )

# Prometheus /metrics: a scraper presents this as a bearer token; with none set, only
# loopback clients may scrape (docs/operations.md).
CAREDESK_METRICS_TOKEN = env_str("CAREDESK_METRICS_TOKEN")

NINJA_PAGINATION_PER_PAGE = 50

# --- Escalations that scale and promises kept late (issue 15, findings 2-4) -------------
# System escalations (SLA breaches, missed promises) of one agent's cases within this many
# minutes join the first one: one item, one notice, one deadline for the lead (0: off).
CAREDESK_ESCALATION_GROUP_MINUTES = env_int("CAREDESK_ESCALATION_GROUP_MINUTES", 60)
# An undecided escalation or approval moves up a level once this share of its decision
# window has passed, so the next level still decides within the deadline (0 or 1: off).
CAREDESK_DECISION_STEP_UP_SHARE = env_float("CAREDESK_DECISION_STEP_UP_SHARE", 0.75)
if not 0 <= CAREDESK_DECISION_STEP_UP_SHARE <= 1:
    raise ImproperlyConfigured("CAREDESK_DECISION_STEP_UP_SHARE must be between 0 and 1")
if CAREDESK_ESCALATION_GROUP_MINUTES < 0:
    raise ImproperlyConfigured("CAREDESK_ESCALATION_GROUP_MINUTES must be 0 or more")
# A customer-visible promise kept after its due time, before the honest update went out,
# tells the customer it was late (wording: the "kept late" promise template, else built-in).
# Resolutions the customer confirms (docs/resolutions.md): no answer to "Is this solved?"
# within this many days closes the case as unconfirmed; the answer links expire later.
CAREDESK_RESOLUTION_CONFIRM_DAYS = env_int("CAREDESK_RESOLUTION_CONFIRM_DAYS", 7)
CAREDESK_RESOLUTION_LINK_DAYS = env_int(
    "CAREDESK_RESOLUTION_LINK_DAYS", CAREDESK_RESOLUTION_CONFIRM_DAYS + 7
)
if CAREDESK_RESOLUTION_CONFIRM_DAYS < 1 or CAREDESK_RESOLUTION_LINK_DAYS < 1:
    raise ImproperlyConfigured(
        "CAREDESK_RESOLUTION_CONFIRM_DAYS and CAREDESK_RESOLUTION_LINK_DAYS must be 1 or more"
    )
CAREDESK_PROMISE_KEPT_LATE_NOTICE = env_bool("CAREDESK_PROMISE_KEPT_LATE_NOTICE", True)
# Incident updates (docs/incidents.md): the outbox hands at most this many incident mails
# a minute to the mail server (the fan-out spreads their send times), and the
# unsubscribe links in them work for this many days.
CAREDESK_INCIDENT_MAILS_PER_MINUTE = env_int("CAREDESK_INCIDENT_MAILS_PER_MINUTE", 1000)
CAREDESK_INCIDENT_LINK_DAYS = env_int("CAREDESK_INCIDENT_LINK_DAYS", 90)
if CAREDESK_INCIDENT_MAILS_PER_MINUTE < 1 or CAREDESK_INCIDENT_LINK_DAYS < 1:
    raise ImproperlyConfigured(
        "CAREDESK_INCIDENT_MAILS_PER_MINUTE and CAREDESK_INCIDENT_LINK_DAYS must be 1 or more"
    )

# --- Satisfaction surveys (CSAT, docs/csat.md) ---------------------------------------------
# A closed case's survey is mailed this many hours later; at most one survey per customer
# per CAREDESK_CSAT_THROTTLE_DAYS; the rating can be changed for CAREDESK_CSAT_CHANGE_DAYS
# after the first answer, and the mail's links work for CAREDESK_CSAT_LINK_DAYS.
CAREDESK_CSAT_DELAY_HOURS = env_int("CAREDESK_CSAT_DELAY_HOURS", 24)
CAREDESK_CSAT_THROTTLE_DAYS = env_int("CAREDESK_CSAT_THROTTLE_DAYS", 30)
CAREDESK_CSAT_CHANGE_DAYS = env_int("CAREDESK_CSAT_CHANGE_DAYS", 7)
CAREDESK_CSAT_LINK_DAYS = env_int("CAREDESK_CSAT_LINK_DAYS", 14)
if CAREDESK_CSAT_DELAY_HOURS < 0 or CAREDESK_CSAT_THROTTLE_DAYS < 0:
    raise ImproperlyConfigured("CAREDESK_CSAT_DELAY_HOURS and _THROTTLE_DAYS must be 0 or more")
if not 1 <= CAREDESK_CSAT_CHANGE_DAYS <= 8 or CAREDESK_CSAT_LINK_DAYS < 1:
    # The reports recount the last 8 days (caredesk/reports/outcomes.py SETTLE_DAYS), so
    # a changed rating reaches the daily rows.
    raise ImproperlyConfigured(
        "CAREDESK_CSAT_CHANGE_DAYS must be 1 to 8 and CAREDESK_CSAT_LINK_DAYS 1 or more"
    )

# --- Customer records, policies and eligibility rules (issue 12; docs/policies.md) ------
# Kinds of customer record (orders, subscriptions…): add a kind here, no migration needed.
CAREDESK_RECORD_KINDS = env_list("CAREDESK_RECORD_KINDS", ["order", "subscription", "booking"])
# The JSON attributes of one record or line, serialised, at most this many bytes.
CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES = env_int("CAREDESK_RECORD_ATTRIBUTES_MAX_BYTES", 16_384)
# Records in one bulk API request (all or nothing).
CAREDESK_RECORD_BULK_MAX = env_int("CAREDESK_RECORD_BULK_MAX", 1000)
# Who may say an ineligible return/exchange/refund/exception was allowed anyway: callables
# granted_override(ticket_id) -> str | None (a sentence naming the approval), tried in order.
# Policies sit below escalations, so the approvals are reached through this setting.
CAREDESK_ELIGIBILITY_OVERRIDES = ["caredesk.escalations.overrides.granted_override"]
