from rest_framework.pagination import PageNumberPagination

from waymark.api import rules


class WaymarkPagination(PageNumberPagination):
    """``count``, ``next``, ``previous`` and ``results``; ``?page=`` and ``?page_size=``."""

    page_size = rules.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = rules.MAX_PAGE_SIZE
