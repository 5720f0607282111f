"""Fill the summary tables for the ledger written before they existed (the same work as
`enishi rebuild_insights`; on a large ledger that command can be run instead, afterwards)."""

from django.db import migrations


def fill(apps, schema_editor):
    # Nothing to summarise on a new database (and no need to touch today's models there).
    if not apps.get_model("ledger", "Engagement").objects.exists():
        return
    from enishi.communities.models import Community
    from enishi.insights.summaries import rebuild

    for community in Community.objects.using(schema_editor.connection.alias).order_by("pk"):
        rebuild(community=community)


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("ledger", "0002_iga_points"),
        ("activities", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
