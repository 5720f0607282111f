"""伊賀衆's points per kind of engagement (staff change them in the admin)."""

from django.db import migrations

POINTS = {
    "registration": 10, "knowledge": 30, "visit": 5, "donation": 20,
    "local_activity": 20, "migration_trial": 40, "promotion": 10,
}  # fmt: skip


def create(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    PointsRule = apps.get_model("ledger", "PointsRule")
    community = Community.objects.filter(slug="iga").first()
    if community is not None:
        for kind, points in POINTS.items():
            PointsRule.objects.get_or_create(community=community, kind=kind,
                                             defaults={"points": points})  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("communities", "0003_iga_community")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
