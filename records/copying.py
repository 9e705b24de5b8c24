"""Writing many rows at once: with COPY on PostgreSQL, where a job writes hundreds of thousands
(an event for each record of a hold, say) and the ORM's bulk_create would spend more time
preparing each row's parameters than the database spends storing them."""

from django.db import connections, router


def copies(model):
    """Whether `model`'s database takes rows by COPY (copy_into); else bulk_create them."""
    return connections[router.db_for_write(model)].vendor == "postgresql"


def copy_into(model, columns, rows):
    """Insert `rows` (tuples of the `columns`' values, as psycopg adapts them) into `model`'s table
    with COPY, in the caller's transaction. COPY is an insert like any other: the table's
    constraints and triggers apply to each row."""
    connection = connections[router.db_for_write(model)]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
