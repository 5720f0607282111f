"""Bulk writes the ORM makes slow: `update_rows` is `QuerySet.bulk_update` without an
expression object per value (Django builds and resolves a `Case(When(pk=…, then=Value(…)))`
per object and field, which costs more than the database's work for a few hundred rows)."""

from django.db import connections, router


def update_rows(model, objs: list, fields: list[str], *, batch_size: int = 200) -> None:
    """Write `fields` of `objs` (saved instances of `model`) as `bulk_update(objs, fields)`
    does: `UPDATE … SET f = CASE pk WHEN … THEN … END … WHERE pk IN (…)` per batch, values
    prepared by each field (`get_db_prep_save`), cast to the column's type on PostgreSQL as
    Django does. No signals, no `auto_now` (as `bulk_update`)."""
    if not objs:
        return
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    pk = quote(meta.pk.column)
    columns = [meta.get_field(name) for name in fields]
    cast = connection.features.requires_casted_case_in_updates
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            sets, params = [], []
            for field in columns:
                case = f"CASE {pk}" + " WHEN %s THEN %s" * len(chunk) + " END"
                if cast:
                    case = f"CAST({case} AS {field.cast_db_type(connection)})"
                sets.append(f"{quote(field.column)} = {case}")
                for obj in chunk:
                    value = field.get_db_prep_save(getattr(obj, field.attname), connection)
                    params += [obj.pk, value]
            params += [obj.pk for obj in chunk]
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "
                f"WHERE {pk} IN ({', '.join(['%s'] * len(chunk))})",
                params,
            )
