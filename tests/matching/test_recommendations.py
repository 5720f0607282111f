"""「あなたへのおすすめ」 on /me/, 「興味あり」, and who is interested for staff."""

import pytest

from enishi.activities import services
from enishi.activities.models import Activity
from enishi.communities.models import Organizer, StaffRole, Tag
from enishi.matching.models import Interest
from enishi.matching.selectors import recommendations
from enishi.privacy.models import AuditEvent
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user

from .conftest import indexed, skilled

pytestmark = pytest.mark.django_db


def tag(community, kind, name):
    return Tag.objects.get_or_create(community=community, kind=kind, name=name)[0]


def test_recommendations_follow_skills_topics_place_and_peers(community, no_semantic):
    me = skilled("", skills=["デザイン"], topics=["農業"], prefecture_code="13")
    design = SessionFactory(activity__title="観光マップづくり",
                            activity__place_kind=Activity.PlaceKind.ONLINE).activity  # fmt: skip
    design.wanted_skills.add(tag(community, Tag.Kind.SKILL, "デザイン"))
    farming = SessionFactory(activity__title="棚田の草刈り").activity
    farming.topics.add(tag(community, Tag.Kind.TOPIC, "農業"))
    tokyo = SessionFactory(activity__title="東京の交流会", activity__place_kind="city",
                           activity__city="tokyo", activity__address="").activity  # fmt: skip
    osaka = SessionFactory(activity__title="大阪の交流会", activity__place_kind="city",
                           activity__city="osaka", activity__address="").activity  # fmt: skip
    peer = skilled("", topics=["農業"])
    services.application_apply(session=osaka.sessions.get(), member=peer)

    found = recommendations(member=me, count=10)
    by_title = {r.activity.title: r.reason for r in found}
    assert [r.activity for r in found[:2]] == [design, farming]
    assert by_title["観光マップづくり"] == "「デザイン」のスキルが活かせます"
    assert by_title["棚田の草刈り"] == "関心のある「農業」の活動です"
    assert by_title["東京の交流会"] == "お住まいに近い東京で開かれます"
    assert by_title["大阪の交流会"] == "関心の近い会員が参加しています"
    assert [r.activity for r in found].index(tokyo) < len(found)

    services.application_apply(session=design.sessions.get(), member=me)
    assert design not in [r.activity for r in recommendations(member=me, count=10)]


def test_a_skill_named_in_the_text_counts_too(community, no_semantic):
    me = skilled("", skills=["英語"])
    SessionFactory(activity__title="忍者体験の通訳", activity__body="英語で案内します。")
    assert recommendations(member=me)[0].reason == "「英語」のスキルが活かせます"


def test_my_page_shows_recommendations_with_a_reason(client, community, no_semantic,
                                                    django_assert_max_num_queries):  # fmt: skip
    me = skilled("", skills=["デザイン"])
    client.force_login(me.user)
    design = SessionFactory(activity__title="観光マップづくり").activity
    design.wanted_skills.add(tag(community, Tag.Kind.SKILL, "デザイン"))
    html = client.get("/me/").content.decode()
    assert "あなたへのおすすめ" in html and "観光マップづくり" in html
    assert "「デザイン」のスキルが活かせます" in html

    def count():
        with django_assert_max_num_queries(60) as captured:
            assert client.get("/me/").status_code == 200
        return len(captured)

    small = count()
    for i in range(15):
        SessionFactory(activity__title=f"活動{i}").activity.wanted_skills.add(
            tag(community, Tag.Kind.SKILL, "デザイン")
        )
    assert count() == small


def test_no_open_activity_says_so(client, community):
    me = MemberFactory()
    client.force_login(me.user)
    assert "いま受付中でおすすめできる活動はありません。" in client.get("/me/").content.decode()


def test_semantic_closeness_is_a_reason(community, needs_semantic):
    me = skilled("保育士として10年働きました。子どもと遊ぶのが得意です。")
    child = indexed(SessionFactory(activity__title="子育て広場の見守り",
                                   activity__body="小さな子どもと遊ぶボランティア").activity)
    old = SessionFactory(activity__title="古文書の解読", activity__body="江戸時代の文書")
    indexed(old.activity)
    found = recommendations(member=me, count=2)
    assert found[0].activity == child and found[0].reason == "あなたの経験に近い内容です"


def test_members_mark_and_unmark_interest(client, community):
    me = MemberFactory()
    client.force_login(me.user)
    activity = SessionFactory().activity
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert 'aria-pressed="false"' in page and "興味あり" in page
    response = client.post(f"/activities/{activity.pk}/interest/", {"interested": "1"})
    assert response.status_code == 302 and Interest.objects.filter(member=me).exists()
    client.post(f"/activities/{activity.pk}/interest/", {"interested": "1"})  # twice: one row
    assert Interest.objects.count() == 1
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "「興味あり」にしています" in page
    client.post(f"/activities/{activity.pk}/interest/", {"interested": "0"})
    assert not Interest.objects.exists()


def test_interest_needs_a_published_activity_of_this_community(client, community):
    me = MemberFactory()
    client.force_login(me.user)
    draft = SessionFactory(activity__status=Activity.Status.DRAFT).activity
    assert client.post(f"/activities/{draft.pk}/interest/", {"interested": "1"}).status_code == 404
    assert not Interest.objects.exists()


def test_staff_see_who_is_interested_audited_and_organizers_only_theirs(client, community):
    organizer = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    mine = SessionFactory(activity__organizer=organizer).activity
    other = SessionFactory().activity
    keen = skilled("", skills=["デザイン"], family_name="興味")
    Interest.objects.create(member=keen, activity=mine)
    services.application_apply(session=mine.sessions.get(), member=skilled("", family_name="応募"))
    Interest.objects.create(member=MemberFactory(family_name="応募済"), activity=mine)
    staff = staff_user(community, role=StaffRole.Role.ORGANIZER, organizer=organizer)
    client.force_login(staff)
    response = client.get(f"/staff/activities/{mine.pk}/interested/")
    html = response.content.decode()
    assert response.status_code == 200 and "興味 " in html and "デザイン" in html
    assert response.context["invite"] is None  # organizers do not send mail
    event = AuditEvent.objects.get(action=AuditEvent.Action.INTEREST_LIST)
    assert event.row_count == 2 and event.detail == {"activity": mine.pk}
    assert client.get(f"/staff/activities/{other.pk}/interested/").status_code == 404


def test_admins_invite_interested_members(client, community, events_topic,
                                          django_capture_on_commit_callbacks):  # fmt: skip
    activity = SessionFactory(activity__title="棚田の草刈り").activity
    keen = skilled("", user__email="keen@example.jp")
    Interest.objects.create(member=keen, activity=activity)
    client.force_login(staff_user(community))
    page = client.get(f"/staff/activities/{activity.pk}/interested/")
    assert f'value="{keen.pk}"' in page.content.decode()
    form = {"activity": activity.pk, "topic": events_topic.pk, "members": [keen.pk],
            "subject": "{nickname}さんへ", "body": "{activity_title}"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/activities/{activity.pk}/interested/", form)
    assert response.status_code == 302
    assert keen.invitations.get().activity == activity


def test_the_interested_list_query_count_does_not_grow(client, community,
                                                       django_assert_max_num_queries):  # fmt: skip
    activity = SessionFactory().activity
    client.force_login(staff_user(community))

    def count():
        # A first request settles what the session writes after a pause (the staff idle
        # timer), which slow machines reach while the members are being made.
        client.get(f"/staff/activities/{activity.pk}/interested/")
        with django_assert_max_num_queries(40) as captured:
            assert client.get(f"/staff/activities/{activity.pk}/interested/").status_code == 200
        return len(captured)

    for _ in range(2):
        Interest.objects.create(member=skilled("", skills=["デザイン"]), activity=activity)
    small = count()
    for _ in range(20):
        Interest.objects.create(member=skilled("", skills=["デザイン"]), activity=activity)
    assert count() == small


def test_the_members_own_data_download_includes_interests(client, community):
    me = MemberFactory()
    activity = SessionFactory(activity__title="棚田の草刈り").activity
    Interest.objects.create(member=me, activity=activity)
    client.force_login(me.user)
    data = client.get("/me/data.json").json()
    assert [i["activity"] for i in data["interests"]] == ["棚田の草刈り"]
    assert data["invitations"] == []
    assert "「興味あり」を付けた活動" in client.get("/me/data.csv").content.decode("utf-8-sig")
