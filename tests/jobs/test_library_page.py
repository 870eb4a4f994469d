"""The library page searches, sorts, filters and pages its cards as the API does."""

from __future__ import annotations

from audio.models import Track
from jobs import views


def card_titles(response) -> list[str]:
    return [track.title for track in response.context["tracks"]]


def test_search_sort_and_filter_from_the_page(user_client, user, make_track):
    for seed, (title, artist) in enumerate([("Blue Monday", "New Order"), ("Around the World", "Daft Punk")]):
        track = make_track(user, seconds=1.0, seed=seed)
        Track.objects.filter(pk=track.pk).update(title=title, artist=artist)
    assert card_titles(user_client.get("/")) == ["Around the World", "Blue Monday"]
    assert card_titles(user_client.get("/?ordering=title")) == ["Around the World", "Blue Monday"]
    assert card_titles(user_client.get("/?ordering=-title")) == ["Blue Monday", "Around the World"]
    page = user_client.get("/?q=order")
    assert card_titles(page) == ["Blue Monday"] and b'value="order"' in page.content
    assert card_titles(user_client.get("/?separated=yes")) == []
    assert b"No track matches" in user_client.get("/?q=zzz").content
    assert card_titles(user_client.get("/?ordering=nonsense")) == ["Around the World", "Blue Monday"]


def test_a_large_library_comes_in_pages(user_client, user, make_track, monkeypatch):
    monkeypatch.setattr(views, "LIBRARY_PAGE_SIZE", 2)
    for seed in range(3):
        make_track(user, seconds=1.0, seed=seed)
    first = user_client.get("/?ordering=added")
    assert len(first.context["tracks"]) == 2 and b"Page 1 of 2" in first.content
    assert b'href="?ordering=added&amp;page=2"' in first.content
    assert len(user_client.get("/?ordering=added&page=2").context["tracks"]) == 1
    assert len(user_client.get("/?page=99").context["tracks"]) == 1, "past the end: the last page"
