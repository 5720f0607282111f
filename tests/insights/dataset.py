"""A small fixed membership whose figures are worked out by hand in the tests.

All dates are in fiscal years 2023 and 2024 (Japan time). Points are given explicitly.

- A joined 2024-05-10 in 13 (tie: birthplace): registration 10, attended 2024-06-15 (+60),
  visit 2024-09-01 (+20), donation 2025-01-10 (+30), a visit on 2024-11-01 later corrected;
  120 points → 下忍; 継続.
- B joined 2024-04-20 in 27 (family, tourism): registration, visit 2024-07-01 (+20); did not
  show up at the activity; 登録.
- C joined 2023-06-01 in 24: registration, attended another organizer's 2023-07-01 session
  (+60); withdrew 2024-10-15.
- D joined 2023-04-05 in 13: registration, visit 2023-05-01 (+20); designated 担い手; lapsed
  by 2025.
- E never verified their address (pending): not a member.
- F joined 2025-03-20 in 24, referred by A: no ledger entries at all; 登録.
- Shops: at 「伊賀焼の店」 A used a benefit twice (2024-08-01, 2024-09-01) and B once
  (2024-07-01); its spot was visited by A (2024-09-01); the station spot by B (2024-07-01) and
  by D (2023-05-01, the previous year).
- Newsletters: 「田植え体験のご案内」 sent 2024-06-05; a draft never sent; a welcome mail
  (a journey's, not a newsletter) on 2024-06-10.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from enishi.activities.models import Application
from enishi.communities.models import Organizer
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_correct, engagement_record
from enishi.mailings.models import Mailing
from enishi.members.models import Member
from enishi.shops.models import Redemption, Visit, VisitSpot
from tests.activities.factories import ActivityFactory, SessionFactory
from tests.factories import MemberFactory
from tests.shops.factories import BenefitFactory, ShopFactory, SpotFactory

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


def build(community) -> dict:
    organizer = Organizer.objects.create(community=community, name="伊賀の里山の会")
    other = Organizer.objects.create(community=community, name="別の会")
    a = MemberFactory(joined_at=jst(2024, 5, 10, 9), prefecture_code="13")
    b = MemberFactory(joined_at=jst(2024, 4, 20, 9), prefecture_code="27",
                      ties=["family", "tourism"], birth_decade=1990, channel="sns")  # fmt: skip
    c = MemberFactory(joined_at=jst(2023, 6, 1, 9), prefecture_code="24", channel="friend")
    d = MemberFactory(joined_at=jst(2023, 4, 5, 9), prefecture_code="13", designated_carrier=True)
    e = MemberFactory(joined_at=None, status=Member.Status.PENDING, created_at=jst(2024, 8, 1))
    f = MemberFactory(joined_at=jst(2025, 3, 20, 9), prefecture_code="24", referred_by=a,
                      birth_decade=1970)  # fmt: skip
    for member in (a, b, c, d):
        engagement_record(member=member, kind=Kind.REGISTRATION, source_type="registration",
                          source_id=member.pk, points=10, occurred_at=member.joined_at)  # fmt: skip

    session = SessionFactory(activity=ActivityFactory(organizer=organizer, title="田植え体験"),
                             starts_at=jst(2024, 6, 15, 10))  # fmt: skip
    Application.objects.create(session=session, member=a, status=Application.Status.ATTENDED)
    Application.objects.create(session=session, member=b, status=Application.Status.NO_SHOW)
    engagement_record(member=a, kind=Kind.LOCAL_ACTIVITY, source_type="activity_session",
                      source_id=session.pk, points=60, occurred_at=session.starts_at)  # fmt: skip
    old_session = SessionFactory(activity=ActivityFactory(organizer=other, title="忍者講座"),
                                 starts_at=jst(2023, 7, 1, 10))  # fmt: skip
    Application.objects.create(session=old_session, member=c, status=Application.Status.ATTENDED)
    engagement_record(member=c, kind=Kind.KNOWLEDGE, source_type="activity_session",
                      source_id=old_session.pk, points=60,
                      occurred_at=old_session.starts_at)  # fmt: skip
    engagement_record(member=a, kind=Kind.VISIT, points=20, occurred_at=jst(2024, 9, 1, 12))
    wrong = engagement_record(member=a, kind=Kind.VISIT, points=20,
                              occurred_at=jst(2024, 11, 1, 12))  # fmt: skip
    engagement_correct(entry=wrong, note="二重登録", created_by=None)
    engagement_record(member=a, kind=Kind.DONATION, points=30, occurred_at=jst(2025, 1, 10, 12))
    engagement_record(member=b, kind=Kind.VISIT, points=20, occurred_at=jst(2024, 7, 1, 12))
    engagement_record(member=d, kind=Kind.VISIT, points=20, occurred_at=jst(2023, 5, 1, 12))
    Member.objects.filter(pk=c.pk).update(status=Member.Status.WITHDRAWN,
                                          withdrawn_at=jst(2024, 10, 15, 12))  # fmt: skip
    benefit = BenefitFactory(shop=ShopFactory(name="伊賀焼の店"))
    for member, when in ((a, jst(2024, 8, 1, 12)), (a, jst(2024, 9, 1, 12)),
                         (b, jst(2024, 7, 1, 12))):  # fmt: skip
        Redemption.objects.create(community=community, shop=benefit.shop, benefit=benefit,
                                  member=member, redeemed_at=when)  # fmt: skip
    shop_spot = SpotFactory(name="伊賀焼の店の入口", kind=VisitSpot.Kind.SHOP, shop=benefit.shop)
    station = SpotFactory(name="伊賀上野駅")
    for spot, member, when in ((shop_spot, a, jst(2024, 9, 1, 12)),
                               (station, b, jst(2024, 7, 1, 12)),
                               (station, d, jst(2023, 5, 1, 12))):  # fmt: skip
        Visit.objects.create(community=community, spot=spot, member=member,
                             visited_on=when.date(), visited_at=when)  # fmt: skip
    topic = community.mail_topics.first()
    Mailing.objects.create(community=community, topic=topic, subject="田植え体験のご案内",
                           body="-", status=Mailing.Status.SENT,
                           queued_at=jst(2024, 6, 5, 10))  # fmt: skip
    Mailing.objects.create(community=community, topic=topic, subject="下書き", body="-")
    Mailing.objects.create(community=community, topic=topic, subject="ようこそ", body="-",
                           journey=community.journeys.first(), status=Mailing.Status.SENT,
                           queued_at=jst(2024, 6, 10, 10))  # fmt: skip
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "organizer": organizer,
            "session": session}  # fmt: skip
