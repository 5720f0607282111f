"""伊賀衆's first organizers: the city's own department and two partners."""

from django.db import migrations

ORGANIZERS = ["伊賀市 地域づくり推進課", "伊賀市観光協会", "NPO法人 伊賀の里づくり"]


def create(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    Organizer = apps.get_model("communities", "Organizer")
    community = Community.objects.filter(slug="iga").first()
    if community is not None:
        for name in ORGANIZERS:
            Organizer.objects.get_or_create(community=community, name=name)


class Migration(migrations.Migration):
    dependencies = [("communities", "0004_organizer")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
