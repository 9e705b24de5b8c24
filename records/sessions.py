"""Django's database sessions, read with a written-out query: every signed-in request reads its
session, and the ORM took longer to build that query than the database to answer it."""

import functools

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The session row when it exists and has not expired, else None (and no key), as
        Django's store does."""
        alias = router.db_for_read(self.model)
        now = connections[alias].ops.adapt_datetimefield_value(timezone.now())  # as the ORM passes it
        found = next(iter(self.model.objects.raw(_session_sql(alias, self.model), [self.session_key, now], using=alias)),
                     None)
        if found is None:
            self._session_key = None
        return found


@functools.cache
def _session_sql(alias, model):
    q = connections[alias].ops.quote_name
    key, expires = (q(model._meta.get_field(name).column) for name in ("session_key", "expire_date"))
    columns = ", ".join(q(field.column) for field in model._meta.concrete_fields)
    return f"SELECT {columns} FROM {q(model._meta.db_table)} WHERE {key} = %s AND {expires} > %s"  # nosec B608: the model's own names
