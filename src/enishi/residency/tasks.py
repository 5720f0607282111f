"""Background work for registrations, run by the task worker (`enishi db_worker`)."""

from django.tasks import task


@task
def import_registrations(*, record_id: int) -> dict:
    """Import one uploaded roster with its mapping; a record that stopped half-way goes on
    from its last committed line."""
    from enishi.core.imports import run_import
    from enishi.core.models import ImportRecord

    from .importer import RegistrationImporter

    record = run_import(ImportRecord.objects.get(pk=record_id), RegistrationImporter())
    return {"status": record.status, "created": record.created_count,
            "errors": record.error_count}  # fmt: skip
