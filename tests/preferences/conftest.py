"""A new lalal.ai key is checked with lalal.ai when it is saved: here, with the fake one,
which knows the keys these tests save."""

import pytest

SAVED_KEYS = (
    "LALAL-secret-0123456789-wxyz",
    "another-key-for-lalal-9876",
    "MyLalalKey-5f3a9c1e77-Q8rT",
    "Second-key-000000-ZZZZ",
)


@pytest.fixture(autouse=True)
def lalalai_knows_the_saved_keys(fake_lalalai):
    for key in SAVED_KEYS:
        fake_lalalai.add_key(key)
    return fake_lalalai
