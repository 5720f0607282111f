from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from enishi.ledger import services
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.selectors import Stage, member_standing, standings
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post, register_and_verify


@pytest.fixture
def member(community):
    return MemberFactory()


def attend(member, session_id, *, days_ago=0, points=None):
    return services.engagement_record(
        member=member, kind=Kind.LOCAL_ACTIVITY, source_type="activity_session",
        source_id=session_id, points=points, occurred_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def test_the_ledger_is_append_only(member):
    entry = attend(member, 1)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        Engagement.objects.filter(pk=entry.pk).update(points=999)
    with pytest.raises(PermissionError):
        Engagement.objects.all().delete()


def test_a_source_counts_once_and_points_follow_the_rules(member):
    first = attend(member, 7)
    assert first.points == 20  # 伊賀衆's rule for local activities
    assert attend(member, 7) is None  # checking in twice is harmless
    assert attend(member, 8, points=55).points == 55  # an activity may override the rule
    assert member_standing(member=member).points == 75


def test_corrections_are_new_negative_entries(member, community):
    entry = attend(member, 1)
    staff = staff_user(community)
    correction = services.engagement_correct(entry=entry, note="誤って記録", created_by=staff)
    assert correction.points == -20 and correction.corrects == entry
    assert services.engagement_correct(entry=entry, note="again", created_by=staff) == correction
    standing = member_standing(member=member)
    assert standing.points == 0
    assert standing.stage == Stage.REGISTERED  # a corrected attendance does not count


def test_registration_earns_its_entry_and_the_first_rank(client, community):
    register_and_verify(client)
    page = client.get("/me/").content.decode()
    assert "新入り" in page and "+10" in page and "登録" in page
    assert "次のランク「下忍」まで" in page and "あと 40 ポイント" in page


def test_ranks_need_points_and_for_higher_ones_attendance(member):
    for session in range(1, 9):  # 8 × 20 = 160 points in one attendance each
        attend(member, session, days_ago=400)  # but more than a year ago
    standing = member_standing(member=member)
    assert standing.points == 160
    assert standing.rank.name == "下忍"  # 中忍 (150) also asks for 2 attendances in 12 months
    assert standing.next_rank.name == "中忍" and standing.attendances_to_next == 2
    attend(member, 100)
    attend(member, 101)
    assert member_standing(member=member).rank.name == "中忍"


def test_rank_up_sends_one_congratulation_and_unlocks_the_certificate(client, member):
    client.force_login(member.user)
    assert client.get("/me/certificate.pdf").status_code == 404  # still on the first rank
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        attend(member, 1, points=30)
        attend(member, 2, points=30)  # 60 points: 下忍
        attend(member, 3, points=10)  # still 下忍: no second mail
    assert len(mail.outbox) == 1
    assert "「下忍」に上がりました" in mail.outbox[0].subject
    assert "/me/certificate.pdf" in mail.outbox[0].body
    response = client.get("/me/certificate.pdf")
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf
    assert "認定証を印刷する" in client.get("/me/").content.decode()


def test_funnel_stages(member, community):
    assert member_standing(member=member).stage == Stage.REGISTERED
    attend(member, 1, days_ago=100)
    assert member_standing(member=member).stage == Stage.TAKING_PART
    services.engagement_record(member=member, kind=Kind.PROMOTION, points=5,
                               occurred_at=timezone.now() - timedelta(days=100))  # fmt: skip
    services.engagement_record(member=member, kind=Kind.VISIT, points=5)
    assert member_standing(member=member).stage == Stage.CONTINUING  # 3 in 12 months, 2 months
    services.member_designate_carrier(member=member, designated=True)
    assert member_standing(member=member).stage == Stage.CARRIER


def test_standings_for_everyone_take_two_queries(community, django_assert_num_queries):
    def count(n):
        MemberFactory.create_batch(n)
        with django_assert_num_queries(2):
            return len(list(standings(community=community)))

    assert count(5) == 5
    assert count(50) == 55


def test_staff_designate_a_carrier(client, member, community):
    client.force_login(staff_user(community))
    post(client, f"/staff/members/{member.pk}/carrier/", {"designated": "1"})
    member.refresh_from_db()
    assert member.designated_carrier
    assert "担い手" in client.get(f"/staff/members/{member.pk}/").content.decode()
    client.force_login(member.user)
    assert (
        post(client, f"/staff/members/{member.pk}/carrier/", {"designated": "0"}).status_code == 403
    )


def test_a_batch_of_entries_congratulates_those_it_lifts_to_a_higher_rank(community):
    from enishi.ledger.models import PointsRule

    PointsRule.objects.update_or_create(community=community, kind=Kind.DONATION,
                                        defaults={"points": 30})  # fmt: skip
    a, b, c, d = MemberFactory.create_batch(4)
    services.engagement_record(member=c, kind=Kind.VISIT, points=40)  # 新入り, 10 to go
    services.engagement_record(member=d, kind=Kind.VISIT, points=140)  # 下忍
    mail.outbox.clear()
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        recorded = services.engagements_record(
            community=community, kind=Kind.DONATION, source_type="donation",
            entries=[(a, 1, now), (a, 2, now), (b, 3, now), (c, 4, now), (d, 5, now),
                     (d, 6, now)],
        )  # fmt: skip
    assert recorded == 6
    # a: 60 points, c: 70 → 下忍; b: 30, still 新入り; d: 200 points, but 中忍 also asks for
    # two attendances in 12 months.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.user.email, c.user.email])
    assert all("「下忍」に上がりました" in m.subject for m in mail.outbox)
    assert member_standing(member=d).rank.name == "下忍"
