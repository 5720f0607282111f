import csv
import io
from datetime import datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from openpyxl import load_workbook

from enishi.communities.models import Tag
from enishi.members.models import Member, MemberUse
from enishi.privacy.models import AuditEvent
from tests.factories import CommunityFactory, MemberFactory, UserFactory, staff_user

from .helpers import post


@pytest.fixture
def staff(client, community):
    user = staff_user(community)
    client.force_login(user)
    return user


def names(response) -> list[str]:
    return [m.full_name for m in response.context["page"]]


def test_staff_pages_are_for_staff_only(client, community):
    urls = ["/staff/", "/staff/members/", "/staff/tags/topic/"]
    for url in urls:
        assert client.get(url)["Location"].startswith("/accounts/login/")
    member = MemberFactory()
    client.force_login(member.user)
    for url in urls:
        assert client.get(url).status_code == 403
    other = CommunityFactory()
    client.force_login(staff_user(other))
    for url in urls:
        assert client.get(url).status_code == 403  # staff of another community


def test_staff_home_shows_todays_figures(client, staff):
    MemberFactory.create_batch(3)
    MemberFactory(joined_at=timezone.now() - timedelta(days=30))
    MemberFactory.create_batch(2, status=Member.Status.PENDING, number=None)
    MemberFactory(status=Member.Status.WITHDRAWN)
    figures = client.get("/staff/").context["figures"]
    assert figures == {
        "members": 6, "verified": 4, "new_this_week": 3, "unverified": 2, "withdrawn": 1,
    }  # fmt: skip


def test_search_by_name_kana_email_and_number(client, staff):
    hanako = MemberFactory(
        family_name="山﨑", given_name="花子", family_name_kana="ヤマザキ",
        given_name_kana="ハナコ", search_name="山﨑花子", search_kana="ヤマザキハナコ",
        user__email="hana@example.jp", number="IGA-000777",
    )  # fmt: skip
    MemberFactory(family_name="佐藤", search_name="佐藤太郎", search_kana="サトウタロウ")
    for q in ["山﨑", "山﨑 花子", "ヤマザキ", "ﾔﾏｻﾞｷ", "やまざき", "hana@", "000777", "ハナコ",
              "ＩＧＡ－０００７７７", "ｈａｎａ＠"]:  # fmt: skip
        response = post(client, "/staff/members/", {"q": q, "status": "active"}, follow=True)
        assert names(response) == [hanako.full_name], q
        # The search term is never in a URL; the category filter is.
        assert response.redirect_chain == [("/staff/members/?status=active", 302)]
    page_two = client.get("/staff/members/", {"page": 1, "status": "active"})
    assert names(page_two) == [hanako.full_name]  # the search holds while paging
    cleared = client.get("/staff/members/?clear=1", follow=True)
    assert len(names(cleared)) == 2


def test_filters_and_sorting(client, staff, community):
    design = Tag.objects.get(community=community, kind=Tag.Kind.TOPIC, name="デザイン")
    old = MemberFactory(given_name="古", prefecture_code="27", ties=["family"],
                        joined_at=timezone.now() - timedelta(days=400))  # fmt: skip
    new = MemberFactory(given_name="新", prefecture_code="13", ties=["birthplace"])
    MemberUse.objects.create(member=new, use="knowledge")
    new.topics.add(design)
    pending = MemberFactory(given_name="未", status=Member.Status.PENDING, number=None,
                            joined_at=None, ties=["tourism"])  # fmt: skip

    def found(**params):
        return [m.given_name for m in client.get("/staff/members/", params).context["page"]]

    assert found(prefecture="27") == ["古"]
    assert found(tie="birthplace") == ["新"]
    assert found(use="knowledge") == ["新"]
    assert found(topic=design.pk) == ["新"]
    assert found(status="pending") == ["未"]
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert found(joined_from=since) == ["新"]
    assert found(joined_to=since) == ["古"]
    assert found(sort="joined", status="active") == ["古", "新"]
    assert found(sort="-joined", status="active") == ["新", "古"]
    assert pending and old


def test_member_list_query_count_does_not_grow(client, staff, django_assert_max_num_queries):
    def count_queries():
        with django_assert_max_num_queries(14) as captured:  # incl. writing the audit row
            response = client.get("/staff/members/")
        assert response.status_code == 200
        return len(captured)

    MemberFactory.create_batch(10)
    small = count_queries()
    MemberFactory.create_batch(190)
    assert count_queries() == small


def test_member_list_paginates(client, staff, settings):
    settings.ENISHI_STAFF_PAGE_SIZE = 5
    MemberFactory.create_batch(12)
    response = client.get("/staff/members/", {"page": 3, "status": "active"})
    assert len(response.context["page"]) == 2
    assert "3 / 3 ページ" in response.content.decode()
    assert 'href="?status=active&amp;page=2"' in response.content.decode()


def test_member_detail_is_audited_and_the_audit_log_cannot_be_changed(client, staff):
    member = MemberFactory()
    response = client.get(f"/staff/members/{member.pk}/")
    assert response.status_code == 200
    assert member.full_name in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.member, event.row_count) == (
        staff, AuditEvent.Action.MEMBER_VIEW, member, 1,
    )  # fmt: skip
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(row_count=0)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_member_of_another_community_is_not_found(client, staff):
    stranger = MemberFactory(community=CommunityFactory())
    assert client.get(f"/staff/members/{stranger.pk}/").status_code == 404
    assert client.get("/staff/members/").context["page"].paginator.count == 0


def test_csv_export_opens_in_excel_and_is_audited(client, staff):
    MemberFactory(given_name="花子", prefecture_code="24", address_line="=HYPERLINK(1)")
    MemberFactory(given_name="太郎", prefecture_code="13")
    response = post(client, "/staff/members/export.csv?prefecture=24")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["会員番号", "状態", "姓", "名"]
    assert [r[3] for r in rows[1:]] == ["花子"]
    assert rows[1][12] == "三重県"
    assert rows[1][15] == "'=HYPERLINK(1)"  # no formula injection
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.MEMBER_EXPORT
    assert event.row_count == 1
    assert event.detail == {"format": "csv", "filters": {"prefecture": "24"}}


def test_xlsx_export(client, staff):
    MemberFactory.create_batch(3)
    response = post(client, "/staff/members/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "会員番号" and len(rows) == 4
    assert sheet.freeze_panes == "A2"  # the header stays in view
    assert isinstance(rows[1][-1], datetime)  # the join date is a date Excel can sort
    assert sheet.cell(2, 23).number_format == "yyyy/mm/dd"
    assert AuditEvent.objects.get().row_count == 3


def test_export_needs_a_post(client, staff):
    assert client.get("/staff/members/export.csv").status_code == 405
    assert post(client, "/staff/members/export.pdf").status_code == 404
    assert not AuditEvent.objects.exists()


def test_staff_edit_the_topic_list(client, staff, community):
    page = client.get("/staff/tags/topic/")
    formset = page.context["formset"]
    data = {
        "form-TOTAL_FORMS": str(len(formset.forms)),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(formset.forms):
        tag = form.instance
        data[f"form-{i}-id"] = tag.pk or ""
        data[f"form-{i}-name"] = tag.name
        data[f"form-{i}-position"] = form.initial["position"]  # as the page shows it
        if tag.name != "忍者":  # blank rows come checked, as the browser sends them
            data[f"form-{i}-is_active"] = "on"
    new = formset.initial_form_count()
    data[f"form-{new}-name"] = "ジビエ"  # a new word goes to the end of the list
    data[f"form-{new}-is_active"] = "on"
    assert post(client, "/staff/tags/topic/", data).status_code == 302
    topics = Tag.objects.filter(community=community, kind=Tag.Kind.TOPIC)
    assert topics.get(name="ジビエ").is_active
    assert topics.order_by("position").last().name == "ジビエ"
    assert not topics.get(name="忍者").is_active
    # Signed in, /join/ offers joining with this login; as a visitor, the whole sign-up.
    for _signed_in in (True, False):
        form = client.get("/join/").context["form"]
        offered = [t.name for t in form.fields["topics"].queryset]
        assert "ジビエ" in offered and "忍者" not in offered
        client.logout()

    client.force_login(staff)
    data[f"form-{new}-name"] = "農業"  # already in the list
    response = post(client, "/staff/tags/topic/", data)
    assert "「農業」はすでにあります" in response.content.decode()
    assert client.get("/staff/tags/nonsense/").status_code == 404


def test_superuser_is_staff_everywhere_once_they_have_a_second_factor(client, community):
    superuser = UserFactory(is_superuser=True)
    client.force_login(superuser)
    expected = "/staff/security/?next=%2Fstaff%2Fmembers%2F"
    assert client.get("/staff/members/")["Location"] == expected
    TOTP.activate(superuser, generate_totp_secret())
    assert client.get("/staff/members/").status_code == 200


def test_export_follows_the_search_held_in_the_session(client, staff):
    MemberFactory(given_name="花子", search_name="伊賀花子")
    MemberFactory(given_name="太郎", search_name="伊賀太郎")
    post(client, "/staff/members/", {"q": "花子"})
    body = b"".join(post(client, "/staff/members/export.csv").streaming_content).decode()
    assert "花子" in body and "太郎" not in body
    assert AuditEvent.objects.get().detail["filters"] == {"q": "花子"}
