"""/staff/scout/: staff find members for a need, see why they fit, invite them."""

from django.core import mail

from enishi.communities.models import Organizer, StaffRole
from enishi.mailings.models import Delivery, Mailing
from enishi.mailings.services import topic_leave
from enishi.matching.models import Invitation
from enishi.privacy.models import AuditEvent
from tests.activities.factories import SessionFactory
from tests.factories import staff_user

from .conftest import skilled

URL = "/staff/scout/"


def search(client, need, **filters):
    return client.post(URL, {"need": need, "action": "search", **filters})


def signed_in_admin(client, community):
    admin = staff_user(community)
    client.force_login(admin)
    return admin


def test_results_are_ranked_with_matches_highlighted_and_the_search_audited(
    client, community, no_semantic
):
    admin = signed_in_admin(client, community)
    designer = skilled("観光パンフレットとポスターの制作を10年。", skills=["デザイン"],
                       family_name="設計", given_name="花子")  # fmt: skip
    skilled("米農家です。", family_name="田中", given_name="一郎")
    response = search(client, "観光パンフレットのデザインができる人")
    assert response.status_code == 200
    html = response.content.decode()
    assert "設計 花子" in html and "田中 一郎" not in html
    assert "<mark>観光パンフレット</mark>" in html
    assert '<mark class="tag">デザイン</mark>' in html
    assert "1人が見つかりました" in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCOUT_SEARCH)
    assert event.actor == admin and event.row_count == 1
    assert event.detail["need"] == "観光パンフレットのデザインができる人"
    assert event.detail["semantic"] is False
    assert response.context["rows"][0]["member"] == designer


def test_the_need_stays_out_of_the_url(client, community):
    signed_in_admin(client, community)
    assert client.get(URL, {"need": "デザイン"}).context.get("result") is None


def test_filters_narrow_the_results(client, community, no_semantic):
    signed_in_admin(client, community)
    skilled("ウェブデザイン", prefecture_code="13", family_name="東京")
    skilled("ウェブデザイン", prefecture_code="27", family_name="大阪")
    html = search(client, "ウェブデザイン", prefectures=["27"]).content.decode()
    assert "大阪" in html and "東京 " not in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.SCOUT_SEARCH)
    assert event.detail["filters"] == {"prefectures": ["27"]}


def test_availability_and_online_filters_find_who_can_help_when_and_how(
    client, community, no_semantic
):
    signed_in_admin(client, community)
    skilled("英語で観光案内", availability="weekdays", online_ok=True, family_name="平日")
    skilled("英語で観光案内", availability="weekends", family_name="週末")
    skilled("英語で観光案内", availability="any", family_name="いつでも")
    skilled("英語で観光案内", family_name="未回答")  # never said when

    def found(**filters):
        html = search(client, "英語で観光案内", **filters).content.decode()
        return {name for name in ("平日", "週末", "いつでも", "未回答") if f"{name} " in html}

    assert found() == {"平日", "週末", "いつでも", "未回答"}
    assert found(availability=["weekends"]) == {"週末", "いつでも"}
    assert found(availability=["weekdays"], online_ok="on") == {"平日"}
    assert found(availability=["weekdays", "weekends"]) == {"平日", "週末", "いつでも"}
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SCOUT_SEARCH).latest("pk")
    assert event.detail["filters"] == {"availability": ["weekdays", "weekends"]}
    # The invitation form below the results carries the filters it was found with.
    html = search(client, "英語で観光案内", availability=["weekdays"], online_ok="on").content
    assert b'name="online_ok" value="True"' in html
    assert b'name="availability" value="weekdays"' in html


def test_bad_needs_get_a_message_next_to_the_field(client, community):
    signed_in_admin(client, community)
    for need in ("", "人", "🙏"):
        response = search(client, need)
        assert response.status_code == 200
        assert response.context["form"].errors["need"]
        assert "result" not in response.context
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SCOUT_SEARCH).exists()
    html = search(client, "人").content.decode()
    assert "2文字以上で、どんな人を探しているか書いてください。" in html


def test_a_very_long_need_is_read_in_part_and_says_so(client, community, no_semantic):
    signed_in_admin(client, community)
    skilled("観光パンフレットの制作", family_name="設計")
    response = search(client, "観光パンフレットのデザインができる人を探しています。" * 384)  # 9,984
    assert response.status_code == 200
    html = response.content.decode()
    assert "長い文章のため、最初の約500文字で探しました。" in html and "設計" in html
    assert search(client, "あ" * 10001).context["form"].errors["need"]


def test_english_and_emoji_needs_are_searched(client, community, no_semantic):
    signed_in_admin(client, community)
    skilled("Illustrator と Photoshop で冊子を作っています。", family_name="英字")
    assert "英字" in search(client, "Illustrator が使える人🎨").content.decode()


def test_a_need_matching_no_one_gets_a_helpful_empty_state(client, community, no_semantic):
    signed_in_admin(client, community)
    skilled("", family_name="空欄")  # a member with no skills
    skilled("米農家です。")
    html = search(client, "宇宙飛行士の訓練").content.decode()
    assert "この内容に合う会員は見つかりませんでした。" in html
    assert "スキルを表す短い言葉で探してみてください" in html


def test_organizer_staff_find_only_their_applicants_and_cannot_invite(client, community,
                                                                       no_semantic):  # fmt: skip
    organizer = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    staff = staff_user(community, role=StaffRole.Role.ORGANIZER, organizer=organizer)
    client.force_login(staff)
    session = SessionFactory(activity__organizer=organizer)
    applicant = skilled("ウェブデザイン", family_name="応募")
    skilled("ウェブデザイン", family_name="部外")
    from enishi.activities.services import application_apply

    application_apply(session=session, member=applicant)
    response = search(client, "ウェブデザイン")
    assert [row["member"] for row in response.context["rows"]] == [applicant]
    assert response.context["invite"] is None
    assert "招待メールを送る" not in response.content.decode()


def test_inviting_chosen_members_sends_a_personal_mail_once(
    client, community, events_topic, django_capture_on_commit_callbacks, no_semantic
):
    admin = signed_in_admin(client, community)
    session = SessionFactory(activity__title="観光パンフレットを作ろう")
    activity = session.activity
    keen = skilled("観光パンフレットの制作", family_name="案内", user__email="keen@example.jp")
    quiet = skilled("観光パンフレットの制作", family_name="不要", newsletter=False)
    left = skilled("観光パンフレットの制作", family_name="離脱")
    topic_leave(member=left, topic=events_topic, source="me")

    response = search(client, "観光パンフレット")
    rows = {row["member"].pk: row for row in response.context["rows"]}
    # Members who do not take such mail are shown, not offered.
    assert rows[keen.pk]["reachable"] and not rows[quiet.pk]["reachable"]
    assert f'name="members" value="{quiet.pk}"' not in response.content.decode()
    assert f'name="members" value="{keen.pk}"' in response.content.decode()

    form = {
        "need": "観光パンフレット", "action": "invite", "activity": activity.pk,
        "topic": events_topic.pk, "members": [keen.pk, left.pk],
        "subject": "{nickname}さんへ", "body": "{activity_title}\n\n{activity_url}",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.member, invitation.activity, invitation.invited_by) == (keen, activity,
                                                                               admin)  # fmt: skip
    mailing = Mailing.objects.get()
    assert mailing.activity == activity and mailing.topic == events_topic
    assert list(Delivery.objects.values_list("member_id", flat=True)) == [keen.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["keen@example.jp"]
    assert "観光パンフレットを作ろう" in mail.outbox[0].body
    assert f"/activities/{activity.pk}/" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, form)
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1  # not twice


def test_an_invitation_with_errors_keeps_the_results_and_what_was_typed(client, community,
                                                                         no_semantic):  # fmt: skip
    signed_in_admin(client, community)
    skilled("観光パンフレットの制作", family_name="残る")
    response = client.post(URL, {"need": "観光パンフレット", "action": "invite",
                                 "subject": "{oops}"})  # fmt: skip
    assert response.status_code == 200
    invite = response.context["invite"]
    assert invite.errors["members"] == ["招待する会員を選んでください。"]
    assert invite.errors["subject"] and invite.errors["activity"]
    assert "残る" in response.content.decode()
    assert not Invitation.objects.exists()


def test_query_count_does_not_grow_with_members(client, community, no_semantic,
                                                django_assert_max_num_queries):  # fmt: skip
    signed_in_admin(client, community)

    def count():
        search(client, "ウェブデザイン")  # settles the session's idle-timer write
        with django_assert_max_num_queries(40) as captured:
            response = search(client, "ウェブデザイン")
        assert response.status_code == 200
        return len(captured), len(response.context["rows"])

    for _ in range(3):
        skilled("ウェブデザインをしています", skills=["デザイン"], topics=["観光"])
    small, shown = count()
    assert shown == 3
    for _ in range(40):
        skilled("ウェブデザインをしています", skills=["デザイン"], topics=["観光"])
    large, shown = count()
    assert shown == 30 and large == small
