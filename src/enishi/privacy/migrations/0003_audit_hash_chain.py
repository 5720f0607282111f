"""Chain the audit log: number the existing rows in the order they were written, hash each over
the one before it, and keep the newest in AuditChainHead."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GENESIS_HASH = "0" * 64


def chain_existing_rows(apps, schema_editor):
    from enishi.privacy.models import event_hash

    AuditEvent = apps.get_model("privacy", "AuditEvent")
    AuditChainHead = apps.get_model("privacy", "AuditChainHead")
    previous, sequence = GENESIS_HASH, 0
    for event in AuditEvent.objects.order_by("created_at", "pk").iterator():
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous
        event.hash = previous = event_hash(event)
        event.save(update_fields=["sequence", "previous_hash", "hash"])
    AuditChainHead.objects.create(pk=1, sequence=sequence, hash=previous)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("privacy", "0002_audit_applicant_actions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-sequence"]}),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(db_index=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_events", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("member_view", "会員詳細の閲覧"), ("member_export", "会員一覧の書き出し"),
                    ("applicant_export", "応募者一覧の書き出し"), ("checkin_list", "受付名簿の表示"),
                    ("role_change", "職員の役割の変更"), ("member_erase", "個人情報の消去"),
                ],
                max_length=40,
            ),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
