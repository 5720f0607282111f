"""Background work for donations, run by the task worker (`enishi db_worker`)."""

from django.tasks import task


@task
def import_donations(*, record_id: int) -> dict:
    """Import one uploaded file with its mapping; a record that stopped half-way goes on
    from its last committed line."""
    from enishi.core.imports import run_import
    from enishi.core.models import ImportRecord

    from .importer import DonationImporter

    record = run_import(ImportRecord.objects.get(pk=record_id), DonationImporter())
    return {"status": record.status, "created": record.created_count,
            "errors": record.error_count}  # fmt: skip
