from django.db import migrations

HASHTAGS = ["#ええやん伊賀", "#伊賀衆", "#伊賀流忍者", "#伊賀焼", "#伊賀の秋"]


def add(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    Tag = apps.get_model("communities", "Tag")
    community = Community.objects.filter(slug="iga").first()
    if community is None:
        return
    for position, name in enumerate(HASHTAGS):
        Tag.objects.get_or_create(
            community=community, kind="hashtag", name=name, defaults={"position": position}
        )


def remove(apps, schema_editor):
    apps.get_model("communities", "Tag").objects.filter(kind="hashtag", name__in=HASHTAGS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("promotion", "0001_initial"),
        ("communities", "0009_alter_tag_kind"),
    ]

    operations = [migrations.RunPython(add, remove)]
