"""HTTP Range on file routes: the parser under random headers, odd ranges, HEAD."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio.http.files import requested_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-99", (0, 99)),
        ("bytes=990-", (990, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=500-5000", (500, 999)),
        ("bytes=999-999", (999, 999)),
        ("bytes=1000-", (-1, -1)),
        ("bytes=-0", (-1, -1)),
        ("bytes=5-3", None),  # invalid: ignored, the whole file is sent
        ("bytes=1" + "0" * 30 + "1-1" + "0" * 30, None),  # invalid too, past any file
        ("bytes=0-1,5-9", None),  # several ranges: not taken, the whole file
        ("items=0-9", None),
        ("bytes=" + "9" * 5000 + "-", (-1, -1)),
        ("bytes=0-" + "9" * 5000, (0, 999)),
        ("bytes=-" + "9" * 5000, (0, 999)),
        ("bytes=" + "0" * 5000 + "7-8", (7, 8)),
    ],
)
def test_ranges(header, expected):
    assert requested_range(header, SIZE) == expected


@given(st.text(max_size=300), st.integers(0, 10**12))
def test_any_header_gives_a_valid_answer(header, size):
    answer = requested_range(header, size)
    assert answer is None or answer == (-1, -1) or 0 <= answer[0] <= answer[1] < size


@given(st.integers(0, 10**30), st.integers(0, 10**30) | st.none(), st.integers(1, 10**12))
def test_a_satisfiable_range_is_inside_the_file_and_as_asked(first, last, size):
    header = f"bytes={first}-{'' if last is None else last}"
    answer = requested_range(header, size)
    if last is not None and last < first:
        assert answer is None
    elif first >= size:
        assert answer == (-1, -1)
    else:
        assert answer == (first, min(size - 1, last if last is not None else size - 1))


@given(st.integers(0, 10**30), st.integers(1, 10**12))
def test_a_suffix_range_is_the_files_end(length, size):
    answer = requested_range(f"bytes=-{length}", size)
    assert answer == ((-1, -1) if length == 0 else (max(0, size - length), size - 1))


def test_file_routes_answer_head_with_the_headers_of_a_get(user_client, user, make_track):
    track = make_track(user)
    url = f"/files/tracks/{track.id}/original"
    get, head = user_client.get(url), user_client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == get["Content-Length"] and head["Accept-Ranges"] == "bytes"
    ranged = user_client.head(url, HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206 and ranged["Content-Length"] == "10"
    assert user_client.get(url, HTTP_RANGE="bytes=5-3").status_code == 200
    assert user_client.get(url, HTTP_RANGE="bytes=" + "1" * 5000 + "-").status_code == 416
