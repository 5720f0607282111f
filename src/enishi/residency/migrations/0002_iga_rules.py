from django.db import migrations


def seed(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    RuleSet = apps.get_model("residency", "RuleSet")
    for community in Community.objects.filter(slug="iga"):
        RuleSet.objects.get_or_create(
            community=community,
            defaults={
                "required_activities": 3,
                "min_identity_level": 2,  # verified by staff in person (or stronger)
                "max_municipalities": 3,
                "yearly_renewal": True,
                "excludes_residents": True,
                "registers_prefecture": True,
                "source_note": "総務省「ふるさと住民登録制度」2026年1月の資料（報道による）",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("residency", "0001_initial"),
        ("communities", "0003_iga_community"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
