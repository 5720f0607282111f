from django.core.management import call_command

from enishi.mailings.models import Delivery, Mailing, Segment


def test_seed_demo_adds_segments_a_sent_mailing_and_a_scheduled_one(community, capsys):
    call_command("seed_demo", members=300, activities=5)
    assert set(Segment.objects.values_list("name", flat=True)) == {
        "関西・東海の会員", "半年以上関わりのない会員", "移住体験に関心のある20〜30代",
    }  # fmt: skip
    sent = Mailing.objects.get(status=Mailing.Status.SENT)
    assert sent.deliveries.filter(status=Delivery.Status.SENT).count() > 10
    assert set(sent.deliveries.values_list("member__prefecture_code", flat=True)) <= {
        "21", "22", "23", "24", "25", "26", "27", "28", "29", "30",
    }  # fmt: skip
    assert Mailing.objects.filter(status=Mailing.Status.SCHEDULED).count() == 1
    call_command("seed_demo", members=300, activities=5)
    assert Mailing.objects.filter(journey__isnull=True).count() == 2
    assert Segment.objects.count() == 3
