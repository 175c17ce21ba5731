"""The API's JSON parser: DRF's, with a body nested too deeply for Python's parser refused.

``json.load`` raises ``RecursionError``, not ``ValueError``, for ``[[[[...]]]]`` a few thousand
deep; DRF turns only ``ValueError`` into a 400, so such a body was a 500.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
