"""Members' SNS post submissions, campaigns and the staff approval queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enishi.ledger.models import Engagement, Kind
from enishi.members.models import Member
from enishi.members.services import member_withdraw
from enishi.privacy.models import AuditEvent
from enishi.promotion.models import Campaign, PostSubmission
from enishi.promotion.services import PromotionError, post_review, post_submit, url_key
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post


@pytest.fixture
def member(community):
    return MemberFactory(community=community)


@pytest.fixture
def campaign(community):
    today = timezone.localdate()
    return Campaign.objects.create(
        community=community, title="伊賀の秋を投稿しよう", hashtag="#伊賀の秋",
        starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=25), points=30,
    )  # fmt: skip


def submit(client, **data):
    return post(client, "/me/posts/", {"url": "", "campaign": "", "hashtag": "", "text": "",
                                       **data})  # fmt: skip


def test_a_member_submits_a_post_for_a_campaign_with_a_hashtag(client, member, campaign):
    client.force_login(member.user)
    page = client.get("/me/posts/").content.decode()
    assert "伊賀の秋を投稿しよう" in page
    assert "#ええやん伊賀" in page  # the community's hashtag list
    response = submit(client, url="https://x.com/iga_fan/status/18000001",
                      campaign=campaign.pk, hashtag="#ええやん伊賀",
                      text="上野城の紅葉がきれいでした")  # fmt: skip
    assert response.status_code == 302
    submission = PostSubmission.objects.get()
    assert (submission.member, submission.campaign, submission.platform) == (member, campaign, "x")
    assert submission.status == PostSubmission.Status.PENDING
    assert submission.hashtag == "#ええやん伊賀"
    page = client.get("/me/posts/").content.decode()
    assert "確認待ち" in page and "https://x.com/iga_fan/status/18000001" in page
    assert not Engagement.objects.filter(kind=Kind.PROMOTION).exists()  # not before approval


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(document.cookie)", "http:// または https:// で始まる"),
        ("ftp://example.jp/iga.txt", "http:// または https:// で始まる"),
        ("data:text/html,<script>alert(1)</script>", "http:// または https:// で始まる"),
        ("https://", "投稿のアドレスの形が正しくありません。"),
        ("", "このフィールドは必須です。"),
    ],
)
def test_urls_that_are_not_web_addresses_are_refused(client, member, url, message):
    client.force_login(member.user)
    response = submit(client, url=url, text="伊賀のこと")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "伊賀のこと" in page  # what was typed is kept
    assert not PostSubmission.objects.exists()


def test_over_long_text_is_refused(client, member):
    client.force_login(member.user)
    response = submit(client, url="https://note.com/iga/n/abc", text="伊" * 501)
    assert response.status_code == 200
    assert "500 文字以下でなければなりません" in response.content.decode()
    assert not PostSubmission.objects.exists()


def test_the_same_post_counts_once_however_it_was_copied(client, member, community):
    client.force_login(member.user)
    submit(client, url="https://www.instagram.com/p/Cx1ga/")
    other = MemberFactory(community=community)
    client.force_login(other.user)
    response = submit(client, url="http://instagram.com/p/Cx1ga?igsh=share")
    assert response.status_code == 200
    assert "この投稿はすでに送られています。" in response.content.decode()
    assert PostSubmission.objects.count() == 1
    assert url_key("https://www.youtube.com/watch?v=abc&t=10") == "youtube.com/watch?v=abc"
    assert url_key("https://youtu.be/abc/") == "youtu.be/abc"


def test_a_pending_member_cannot_submit_yet(client, community):
    pending = MemberFactory(community=community, status=Member.Status.PENDING, number=None)
    client.force_login(pending.user)
    response = submit(client, url="https://x.com/iga/status/1")
    assert "投稿はメールアドレスの確認後に送れます。" in response.content.decode()
    assert not PostSubmission.objects.exists()


def test_approval_writes_a_promotion_entry_with_the_campaigns_points(
    client, member, campaign, community
):
    submission = post_submit(member=member, url="https://note.com/iga/n/n1", campaign=campaign)
    plain = post_submit(member=member, url="https://blog.example.jp/iga-aki", campaign=None)
    spam = post_submit(member=member, url="https://x.com/spam/status/9", campaign=None)
    admin = staff_user(community)
    client.force_login(admin)
    page = client.get("/staff/posts/").content.decode()
    assert "https://note.com/iga/n/n1" in page and member.full_name in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.POST_LIST).exists()
    for target, action in ((submission, "approve"), (plain, "approve"), (spam, "reject")):
        response = post(client, f"/staff/posts/{target.pk}/review/",
                        {"action": action, "note": "確認しました"})  # fmt: skip
        assert response.status_code == 302
    entries = Engagement.objects.filter(member=member, kind=Kind.PROMOTION).order_by("pk")
    assert [(e.source_id, e.points) for e in entries] == [(submission.pk, 30), (plain.pk, 10)]
    assert entries[0].note == "伊賀の秋を投稿しよう" and entries[0].created_by == admin
    spam.refresh_from_db()
    assert spam.status == PostSubmission.Status.REJECTED and spam.reviewed_by == admin
    # A second review changes nothing.
    response = post(client, f"/staff/posts/{submission.pk}/review/", {"action": "reject"})
    assert Engagement.objects.filter(member=member, kind=Kind.PROMOTION).count() == 2
    submission.refresh_from_db()
    assert submission.status == PostSubmission.Status.APPROVED
    with pytest.raises(PromotionError):
        post_review(post=submission, approve=True, by=admin)
    page = client.get("/staff/posts/?status=approved").content.decode()
    assert "https://note.com/iga/n/n1" in page


def test_the_queue_query_count_does_not_grow(client, community, django_assert_max_num_queries):
    for n in range(30):
        post_submit(member=MemberFactory(community=community),
                    url=f"https://x.com/iga/status/{n}", campaign=None)  # fmt: skip
    client.force_login(staff_user(community))
    with django_assert_max_num_queries(20):
        assert client.get("/staff/posts/").status_code == 200


def test_staff_create_a_campaign_and_bad_dates_or_hashtags_are_explained(client, community):
    client.force_login(staff_user(community))
    data = {"title": "伊賀の秋を投稿しよう", "description": "紅葉と新米の写真を募集します。",
            "hashtag": "伊賀 の秋", "starts_on": "2026-11-30", "ends_on": "2026-10-01",
            "points": "20"}  # fmt: skip
    response = post(client, "/staff/campaigns/new/", data)
    page = response.content.decode()
    assert "空白を含まないハッシュタグを入力してください。" in page
    assert "終了日は開始日より後にしてください。" in page
    assert not Campaign.objects.exists()
    data.update(hashtag="＃伊賀の秋", starts_on="2026-10-01", ends_on="2026-11-30")
    assert post(client, "/staff/campaigns/new/", data).status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.hashtag == "#伊賀の秋" and campaign.points == 20
    assert "伊賀の秋を投稿しよう" in client.get("/staff/campaigns/").content.decode()
    data["title"] = "伊賀の秋を投稿しよう 2026"
    assert post(client, f"/staff/campaigns/{campaign.pk}/edit/", data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "伊賀の秋を投稿しよう 2026"


def test_the_hashtag_list_is_staff_edited(client, community):
    client.force_login(staff_user(community))
    page = client.get("/staff/tags/hashtag/").content.decode()
    assert "#ええやん伊賀" in page


def test_withdrawal_erases_the_members_links_and_words(member):
    submission = post_submit(member=member, url="https://x.com/me/status/5", text="伊賀の私",
                             campaign=None)  # fmt: skip
    member_withdraw(member=member)
    submission.refresh_from_db()
    assert (submission.url, submission.text) == ("", "")


def test_the_data_download_holds_the_members_submissions(client, member):
    post_submit(member=member, url="https://note.com/iga/n/dl", text="伊賀の冬", campaign=None)
    client.force_login(member.user)
    [submitted] = client.get("/me/data.json").json()["sns_posts"]
    assert submitted["url"] == "https://note.com/iga/n/dl" and submitted["text"] == "伊賀の冬"
    assert "送ったSNSの投稿" in client.get("/me/data.csv").content.decode("utf-8-sig")
