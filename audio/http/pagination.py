"""How the API's lists come in pages: ``limit`` and ``offset``, with the total.

DRF's LimitOffsetPagination answers ``{"count", "next", "previous", "results"}``;
``limit`` is bounded so one request never reads a whole library.
"""

from rest_framework.pagination import LimitOffsetPagination


class LimitOffset(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200
