"""Page-number pagination with a bounded page size; the page envelope carries the marking.
`page` and `page_size` are checked strictly (400 for anything but 1.. and 1..200), a page past
the end is 404."""

import re

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

MARKING = "CONFIDENTIAL"
MAX_PAGE_SIZE = 200
_NUMBER = re.compile(r"[0-9]{1,9}")


def _positive(request, name, maximum=None):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _NUMBER.fullmatch(raw) or int(raw) < 1 or (maximum and int(raw) > maximum):
        bound = f"1 to {maximum}" if maximum else "1 or more"
        raise ValidationError({name: [f"Give a whole number, {bound}."]})
    return int(raw)


class Pagination(PageNumberPagination):
    page_size = min(settings.RECORDS_PER_PAGE, MAX_PAGE_SIZE)
    page_size_query_param = "page_size"
    page_size_query_description = f"Results per page (1 to {MAX_PAGE_SIZE}; default {page_size})."
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def paginate_queryset(self, queryset, request, view=None):
        _positive(request, self.page_query_param)
        _positive(request, self.page_size_query_param, MAX_PAGE_SIZE)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "marking": MARKING,
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["marking", "count", "next", "previous", "results"]
        envelope["properties"] = {"marking": {"type": "string", "enum": [MARKING]}, **envelope["properties"]}
        return envelope

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 999999999}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        return parameters
