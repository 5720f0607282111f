"""Character n-gram search over member profiles: an FTS5 table with the trigram tokenizer on
SQLite (kept in step by triggers), a pg_trgm GIN index on PostgreSQL. Japanese has no spaces
between words, so words are found as runs of characters, not as tokens."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE matching_memberprofile_fts USING fts5(document,"
    " content='matching_memberprofile', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER matching_memberprofile_fts_insert AFTER INSERT ON matching_memberprofile"
    " BEGIN INSERT INTO matching_memberprofile_fts(rowid, document)"
    " VALUES (new.id, new.document); END",
    "CREATE TRIGGER matching_memberprofile_fts_delete AFTER DELETE ON matching_memberprofile"
    " BEGIN INSERT INTO matching_memberprofile_fts(matching_memberprofile_fts, rowid, document)"
    " VALUES ('delete', old.id, old.document); END",
    "CREATE TRIGGER matching_memberprofile_fts_update AFTER UPDATE OF document"
    " ON matching_memberprofile BEGIN"
    " INSERT INTO matching_memberprofile_fts(matching_memberprofile_fts, rowid, document)"
    " VALUES ('delete', old.id, old.document);"
    " INSERT INTO matching_memberprofile_fts(rowid, document) VALUES (new.id, new.document);"
    " END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS matching_memberprofile_fts_update",
    "DROP TRIGGER IF EXISTS matching_memberprofile_fts_delete",
    "DROP TRIGGER IF EXISTS matching_memberprofile_fts_insert",
    "DROP TABLE IF EXISTS matching_memberprofile_fts",
]
POSTGRES = [
    # The test and deployment database users create it (a superuser, or the database owner
    # on PostgreSQL 13+, where pg_trgm is a trusted extension).
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX matching_memberprofile_document_trgm ON matching_memberprofile"
    " USING gin (document gin_trgm_ops)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS matching_memberprofile_document_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
