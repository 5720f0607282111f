"""伊賀衆's ninja ranks ask for activity, not just points, from 中忍 up."""

from django.db import migrations

CONDITIONS = {"中忍": 2, "上忍": 4, "頭領": 6}


def apply(apps, schema_editor):
    Rank = apps.get_model("communities", "Rank")
    for name, attendances in CONDITIONS.items():
        Rank.objects.filter(community__slug="iga", name=name).update(
            min_attendances_12m=attendances
        )


class Migration(migrations.Migration):
    dependencies = [("communities", "0006_rank_min_attendances_12m")]
    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
