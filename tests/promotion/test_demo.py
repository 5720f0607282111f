import pytest
from django.core.management import call_command

from enishi.ledger.models import Engagement, Kind
from enishi.members.demo import DEMO_MEMBER_EMAIL
from enishi.news.models import Report
from enishi.promotion.models import Campaign, PostSubmission, Referral


@pytest.fixture
def seeded(community):
    call_command("seed_demo", members=200)
    return community


def test_the_demo_has_ambassadors_campaigns_submissions_and_reports(seeded, client):
    referrals = Referral.objects.filter(community=seeded)
    assert referrals.filter(flag="").count() >= 5
    assert referrals.filter(flag=Referral.Flag.MASS).count() == 1
    assert referrals.filter(referrer__user__email=DEMO_MEMBER_EMAIL).exists()
    for referral in referrals:
        assert referral.invited.referred_by_id == referral.referrer_id
    rewarded = Engagement.objects.filter(kind=Kind.PROMOTION, source_type="referral_verified")
    assert rewarded.count() == referrals.filter(flag="").count()
    assert Campaign.objects.filter(community=seeded).count() == 2
    posts = PostSubmission.objects.filter(community=seeded)
    assert set(posts.values_list("status", flat=True)) == set(PostSubmission.Status.values)
    approved = posts.filter(status=PostSubmission.Status.APPROVED).count()
    assert Engagement.objects.filter(source_type="post_submission").count() == approved
    assert Report.objects.filter(community=seeded, status="published").count() == 3
    assert "伊賀焼の窯出しを手伝いました" in client.get("/").content.decode()
    # Seeding again adds nothing.
    call_command("seed_demo", members=200)
    assert Referral.objects.filter(community=seeded).count() == referrals.count()
    assert Report.objects.filter(community=seeded).count() == 4
