"""The suite's settings: the product's own, with a test-only SECRET_KEY.

DEBUG is off by default, and then a SECRET_KEY is required; this one is set in
the environment so that every process the tests start (workers, the launched
app) inherits it too.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "0123456789abcdef" * 3)
# STORAGE=s3 runs the suite on buckets of a moto server (tests.stored): each test makes its own.
os.environ.setdefault("AWS_STORAGE_BUCKET_NAME", "each-test-has-its-own")

from soundforge.settings import *  # noqa: F403  (the product's settings, as they are)

# Static files from the apps' folders, as in a local run (no collectstatic before the suite).
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = True
