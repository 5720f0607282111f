"""The demo's ふるさと納税: imported through the real import, once."""

from django.core.management import call_command

from enishi.core.models import ImportRecord
from enishi.donations.models import Contact, Donation
from enishi.ledger.models import Engagement, Kind


def test_seed_demo_imports_donations_that_reach_members_contacts_and_the_ledger(community):
    call_command("seed_demo", members=120, activities=3, verbosity=0)
    record = ImportRecord.objects.get(kind="donations")
    assert record.status == ImportRecord.Status.DONE and record.error_count == 0
    assert Donation.objects.count() == record.created_count == 60
    linked = Donation.objects.filter(member__isnull=False)
    assert linked.count() >= 15  # a third of the rows are members'
    assert Engagement.objects.filter(kind=Kind.DONATION).count() == linked.count()
    assert Contact.objects.filter(member__isnull=True, info_consent="yes").exists()
    assert Contact.objects.filter(member__isnull=True, info_consent="no").exists()
    # Donors who give again are one contact each.
    assert Contact.objects.count() < Donation.objects.filter(member__isnull=True).count()
    call_command("seed_demo", members=120, activities=3, verbosity=0)
    assert Donation.objects.count() == 60 and ImportRecord.objects.count() == 1
