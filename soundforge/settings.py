"""SoundForge settings: everything comes from the environment, with embedded
defaults that run locally (SQLite, a private Redis, the local engine).

DEBUG is off unless asked for (`make run` turns it on for a local run and says
so); with it off a SECRET_KEY must be given. Every security setting Django's
`check --deploy` asks about can be set from the environment.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Earlier keys, newest first: sessions, tokens' signatures and saved secrets made under them stay valid.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. Behind a TLS proxy set SECURE_PROXY_SSL_HEADER to the header it sets and its value,
# e.g. "HTTP_X_FORWARDED_PROTO,https", and turn the rest on (docker-compose.yml does).
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks come over plain HTTP from inside
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "audio",
    "preferences",
    "jobs",
    "studio",
    "live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.tokens.TokenAuthMiddleware",  # API tokens also open file and export URLs
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "soundforge.urls"
ASGI_APPLICATION = "soundforge.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(exist_ok=True)
    # Web, worker and job threads write at once: wait for the lock instead of failing,
    # and keep the test database in a file so worker processes share it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=30, transaction_mode="IMMEDIATE")
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Whether strangers may create accounts; with 0, staff make them (the admin, `manage.py createsuperuser`).
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
# API tokens stop working this many days after they were issued (POST /api/auth/token/ gives a new one).
TOKEN_TTL_DAYS = env.int("TOKEN_TTL_DAYS", default=30)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "library"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_ROOT = BASE_DIR / "public"  # files browsers ask for at the site's root (favicon.ico), no login

# Originals and stems. Never served by a static handler: views check the owner.
UPLOADS_DIR = Path(env.str("UPLOADS_DIR", default=str(BASE_DIR / "priv" / "uploads")))
# Where they are kept (audio.storage): "local", the folder UPLOADS_DIR on this machine, or "s3",
# a bucket of any S3-compatible service every machine reaches (django-storages' settings below).
STORAGE = env.str("STORAGE", default="local")
# This machine's own working folder: a worker's copies of its inputs and its engines' output.
SCRATCH_DIR = Path(env.str("SCRATCH_DIR", default=str(UPLOADS_DIR / "scratch")))
if STORAGE == "local":
    _FILES = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(UPLOADS_DIR), "allow_overwrite": True},
    }
elif STORAGE == "s3":
    _FILES = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {}}
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None  # MinIO, Ceph, R2...; unset: AWS
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    # Unset: boto3 finds credentials itself (instance role, ~/.aws). Never logged.
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None  # "path" for MinIO
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_DEFAULT_ACL = None  # the bucket stays private: files reach users only through the views
    AWS_S3_FILE_OVERWRITE = True  # a stored name is the row's name: never renamed
else:
    raise ImproperlyConfigured(f"STORAGE must be 'local' or 's3', not {STORAGE!r}.")
STORAGES = {
    "default": _FILES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Downloads from a bucket: "proxy" (the web server passes the bytes on, Range and all) or
# "redirect" (after the owner check, a link signed by the bucket that works for S3_LINK_SECONDS).
S3_DOWNLOADS = env.str("S3_DOWNLOADS", default="proxy")
if S3_DOWNLOADS not in ("proxy", "redirect"):
    raise ImproperlyConfigured(f"S3_DOWNLOADS must be 'proxy' or 'redirect', not {S3_DOWNLOADS!r}.")
S3_LINK_SECONDS = env.int("S3_LINK_SECONDS", default=300)
# Three hours (a DJ set, a radio show): the local engine separates as a stream, so memory
# does not grow with the track; 3072 MiB holds three hours of 48 kHz 24-bit stereo WAV.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=3072)
MAX_TRACK_SECONDS = env.int("MAX_TRACK_SECONDS", default=10800)
# Every request body but an upload's: forms and JSON (refused with 413 as it arrives, soundforge.asgi).
REQUEST_BODY_MAX_KB = env.int("REQUEST_BODY_MAX_KB", default=1024)
# Uploads stream to a temporary file in this folder, never into memory.
FILE_UPLOAD_TEMP_DIR = str(UPLOADS_DIR / "incoming")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_HANDLERS = ["audio.upload_handler.LimitedDiskUploadHandler"]
FILE_UPLOAD_PERMISSIONS = 0o640

# Redis: when REDIS_URL is unset, `make run` starts a private Redis on this port.
PRIVATE_REDIS_PORT = env.int("PRIVATE_REDIS_PORT", default=6380)
REDIS_URL = env.str("REDIS_URL", default=f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}/0")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CONCURRENCY = env.int("CELERY_CONCURRENCY", default=2)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# With the broker down, a send fails within about a second instead of hanging (jobs.dispatch).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3}
# Queues by kind of work, so each can have workers of its own on any machine: separations on
# this installation's CPU or GPU ("separation", few at once: memory and cores), separations by a
# cloud service ("cloud", many at once: they wait), tempo and key analysis ("analysis", never
# behind separations), and whatever else ("tasks"). `make run` serves them all.
JOB_QUEUES = {"local": "separation", "remote": "cloud"}  # by the engine's `remote` (jobs.dispatch)
CELERY_TASK_DEFAULT_QUEUE = "tasks"
CELERY_TASK_ROUTES = {"audio.analyse_track": {"queue": "analysis"}}

# What one user may keep: their originals and stems together, in MiB (0: no limit).
USER_STORAGE_MB = env.int("USER_STORAGE_MB", default=20480)

# Requests a client may make, per route: "<count>/<s|m|h|d>" (django-ratelimit rates), counted in
# the shared cache. Sign-up and log-in (the page and the token endpoint together) count per address,
# log-in also per user name; uploads and new jobs per user.
RATE_SIGNUP = env.str("RATE_SIGNUP", default="5/h")
RATE_LOGIN = env.str("RATE_LOGIN", default="10/m")
RATE_LOGIN_PER_USERNAME = env.str("RATE_LOGIN_PER_USERNAME", default="30/h")
RATE_UPLOAD = env.str("RATE_UPLOAD", default="120/h")
RATE_JOB_CREATE = env.str("RATE_JOB_CREATE", default="60/h")
RATELIMIT_IP_META_KEY = "audio.http.throttling.client_address"

# Mix downloads rendered at once per web process (as many again may wait; more answer 503).
MIX_RENDER_WORKERS = env.int("MIX_RENDER_WORKERS", default=2)

# Separation jobs.
MAX_ACTIVE_JOBS_PER_USER = env.int("MAX_ACTIVE_JOBS_PER_USER", default=3)
MAX_WAITING_JOBS_PER_USER = env.int("MAX_WAITING_JOBS_PER_USER", default=200)
# A running job whose worker has not reported for this long is taken as dead.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=20)
# A queued job's task is sent again after this long (a lost message is caught; a duplicate does nothing).
JOB_RESEND_SECONDS = env.int("JOB_RESEND_SECONDS", default=300)
# Stored folders no row refers to, and temporary files nothing uses, go once they are this old
# (jobs.sweep: nothing being written right now is ever taken).
ORPHAN_AGE_SECONDS = env.int("ORPHAN_AGE_SECONDS", default=3600)
DEMUCS_MODEL_DIR = env.str("DEMUCS_MODEL_DIR", default="") or None
DEMUCS_TIMEOUT = env.int("DEMUCS_TIMEOUT", default=300)
SEPARATION_DEVICE = env.str("SEPARATION_DEVICE", default="auto")
LALALAI_BASE_URL = env.str("LALALAI_BASE_URL", default="https://www.lalal.ai/api/v1/")
# The installation's lalal.ai licence, used for users who have not set their own.
SYSTEM_LALALAI_ACTIVATION_KEY = env.str("SYSTEM_LALALAI_ACTIVATION_KEY", default="")
# The longest file the installation's lalal.ai plan takes (0: not known; lalal.ai then
# refuses a longer one after its upload). Longer tracks are refused before uploading.
LALALAI_MAX_TRACK_SECONDS = env.int("LALALAI_MAX_TRACK_SECONDS", default=0)
# Users' lalal.ai keys are encrypted at rest under a key derived from this value
# (any long random string); when unset, from SECRET_KEY. Changing it makes saved keys unreadable.
SETTINGS_ENCRYPTION_KEY = env.str("SETTINGS_ENCRYPTION_KEY", default="")

# Live separation (ws/live/): caps per web server, and how long a stream may run or idle.
LIVE_MAX_STREAMS = env.int("LIVE_MAX_STREAMS", default=6)
LIVE_MAX_STREAMS_PER_USER = env.int("LIVE_MAX_STREAMS_PER_USER", default=2)
LIVE_IDLE_SECONDS = env.int("LIVE_IDLE_SECONDS", default=30)
LIVE_MAX_STREAM_SECONDS = env.int("LIVE_MAX_STREAM_SECONDS", default=4 * 3600)
LIVE_MODEL_PROCESSES = env.int("LIVE_MODEL_PROCESSES", default=2)
LIVE_TORCH_THREADS = env.int("LIVE_TORCH_THREADS", default=1)
# What the live model process loads (a function returning a separator with Spleeter's interface).
LIVE_MODEL_LOADER = env.str("LIVE_MODEL_LOADER", default="live.separator.load_model")

# JSON API (/api/): token or session auth, JSON errors, OpenAPI schema at /api/schema/.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "audio.http.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SoundForge API",
    "DESCRIPTION": "Tracks, separation jobs, settings and engine accounts of the signed-in user.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EngineEnum": "audio.engines.registry.ENGINE_NAMES",
        "StemsModeEnum": "audio.engines.base.STEMS_MODES",
        "OutputFormatEnum": "audio.engines.base.OUTPUT_FORMATS",
        "SampleRateEnum": "jobs.api.serializers.SAMPLE_RATE_CHOICES",
        "SampleRateSettingEnum": "preferences.catalog.SAMPLE_RATE_CHOICES",
    },
}

# The shared cache (throttle counters, engine account answers) lives in the same Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "soundforge-cache",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # The layer's idle receive blocks in Redis for 5 s; redis-py 8's default 5 s
        # socket timeout would cut every idle websocket, so allow longer.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
