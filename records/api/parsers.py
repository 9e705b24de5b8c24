"""JSON request bodies, refused (400) when nested deeper than any operation of the API needs:
Python's JSON decoder and DRF's serializers recurse, and a body nested a thousand levels deep
would exhaust the interpreter's stack (a 500) instead of being answered."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: The API's deepest body is an object holding lists of objects; this leaves ample room.
MAX_DEPTH = 32
DEPTH_ERROR = f"The JSON body is nested more than {MAX_DEPTH} levels deep."


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(DEPTH_ERROR) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(DEPTH_ERROR)
        return data


def _depth_exceeds(data, limit):
    """True when ``data`` has containers nested more than ``limit`` deep (without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
