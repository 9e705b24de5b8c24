"""Pages of long lists that cost the same with a million rows as with ten thousand."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most `cap` rows. A longer list says "more than 10,000", pages through its first
    10,000 and asks for narrower filters to reach the rest: counting every match of a million
    records would cost more than the page itself, for a number nobody pages through."""

    cap = 10_000

    def __init__(self, object_list, per_page, *, total=None):
        """`total`: how many rows the list holds, when that is known without counting them (the
        record list's running tallies); the page then says so instead of "more than"."""
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def _count_to_cap(self):
        if self.total is not None:
            return min(self.total, self.cap + 1)
        # Unordered, so that the database stops at the first cap + 1 matches it finds.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._count_to_cap, self.cap)

    @cached_property
    def capped(self):
        """True when the list goes on past `cap` rows."""
        return self._count_to_cap > self.cap


class CountedPaginator(Paginator):
    """A Paginator told how many rows its list holds, read more cheaply than by counting the list
    (e.g. a hold's records from the hold's own rows, without joining each record)."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count
