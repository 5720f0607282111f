import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from enishi.communities.models import Organizer, StaffRole
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record
from enishi.privacy.models import AuditEvent
from tests.factories import MemberFactory, staff_user

from .pdftext import pdf_pages_text

pytestmark = pytest.mark.django_db

FY2024 = "?period=fiscal_year&fiscal_year=2024"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _pdf_title(pdf: bytes) -> str:
    """The document information's /Title: a literal string (octal escapes) in UTF-16."""
    raw = re.search(rb"/Title \((.*?)(?<!\\)\)", pdf, re.S).group(1)
    raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), raw)
    raw = re.sub(rb"\\(.)", rb"\1", raw)
    return raw.decode("utf-16")


def _login(client, community, role=StaffRole.Role.ADMIN, organizer=None):
    client.force_login(staff_user(community, role=role, organizer=organizer))


def test_only_staff_with_insights_see_the_dashboard(client, community):
    assert client.get("/staff/insights/").status_code == 302  # to the login page
    _login(client, community, role=StaffRole.Role.SHOP)
    assert client.get("/staff/insights/").status_code == 403
    assert client.get("/staff/insights/report.xlsx?fiscal_year=2024").status_code == 403


def test_the_staff_home_links_to_the_dashboard(client, community):
    _login(client, community, role=StaffRole.Role.VIEWER)
    assert 'href="/staff/insights/"' in client.get("/staff/").content.decode()


def test_dashboard_shows_the_figures_and_links_members_for_staff_who_may_see_them(
    client, community, dataset
):
    _login(client, community)
    page = client.get("/staff/insights/" + FY2024).content.decode()
    assert "2024年度" in page
    assert "潜在（連絡先）" in page  # no contacts in this dataset: 0 (tests/donations)
    assert "/staff/members/?prefecture=13&amp;status=active" in page
    assert "/staff/members/?joined_from=2024-04-01&amp;joined_to=2025-03-31" in page
    assert "<title>東京都: 2人</title>" in page  # the tile map's label for screen readers
    assert "田植え体験" in page
    assert 'href="/staff/insights/csv/funnel.csv?period=fiscal_year&amp;fiscal_year=2024"' in page
    # Growth is annotated with the newsletters sent: a mark in June and the list below.
    assert "<title>送ったメールマガジン（通） 1</title>" in page
    assert '<time datetime="2024-06-05T10:00:00+09:00">2024/06/05</time> 田植え体験のご案内' in page
    assert "ようこそ" not in page  # a journey's welcome mail is not a newsletter


def test_viewers_see_figures_without_links_to_members(client, community, dataset):
    _login(client, community, role=StaffRole.Role.VIEWER)
    page = client.get("/staff/insights/" + FY2024).content.decode()
    assert "<title>東京都: 2人</title>" in page
    assert "/staff/members/?" not in page


def test_organizer_staff_see_their_own_activities_only(client, community, dataset):
    _login(client, community, role=StaffRole.Role.ORGANIZER, organizer=dataset["organizer"])
    other = Organizer.objects.get(name="別の会")
    page = client.get(f"/staff/insights/{FY2024}&organizer={other.pk}").content.decode()
    assert "主催団体：伊賀の里山の会" in page
    response = client.get(f"/staff/insights/csv/use_totals.csv{FY2024}&organizer={other.pk}")
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert dict(rows[1:]) == {
        "知見の提供": "0", "継続的な来訪": "0", "ふるさと納税": "0",
        "地域活動への参加": "1", "移住体験への参加": "0", "魅力発信": "0",
    }  # fmt: skip


def test_a_bad_custom_period_is_explained(client, community):
    _login(client, community)
    response = client.get("/staff/insights/?period=custom&date_from=2025-02-01&date_to=2025-01-01")
    page = response.content.decode()
    assert response.status_code == 200
    assert "終了日は開始日より後にしてください。" in page
    assert 'value="2025-02-01"' in page  # what was typed is kept


def test_a_period_that_has_not_begun_shows_nothing_yet(client, community, dataset):
    _login(client, community)
    response = client.get("/staff/insights/?period=month&month=2099-01")
    assert response.status_code == 200
    assert "2099年1月" in response.content.decode()
    response = client.get("/staff/insights/?period=custom&date_from=2099-01-01&date_to=2099-01-31")
    assert response.status_code == 200


def test_custom_period_compares_with_the_days_before(client, community, dataset):
    _login(client, community)
    page = client.get(
        "/staff/insights/?period=custom&date_from=2024-04-01&date_to=2024-05-31"
    ).content.decode()
    assert "2024-04-01 – 2024-05-31" in page
    assert "2024-01-31 – 2024-03-31" in page


def test_chart_csv_is_downloaded_and_audited(client, community, dataset):
    _login(client, community)
    response = client.get("/staff/insights/csv/funnel.csv" + FY2024)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert rows[0] == ["段階", "人数", "前の段階から", "前の期間", "増減"]
    assert rows[1][:2] == ["潜在", "0"]
    assert rows[2] == ["登録", "4", "—", "2", "2"]
    assert rows[3] == ["参加", "2", "50.0%", "2", "0"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.INSIGHTS_EXPORT)
    assert event.detail["what"] == "csv:funnel"
    assert event.detail["period"] == "2024年度"
    assert client.get("/staff/insights/csv/nothing.csv").status_code == 404


def test_report_workbook_reads_back(client, community, dataset):
    _login(client, community)
    response = client.get("/staff/insights/report.xlsx?fiscal_year=2024")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["表紙", "把握", "伸び", "住まい", "どんな人", "活動・関わり",
                                   "協力店・来訪", "継続", "ふるさと納税"]  # fmt: skip
    shops = [r for r in workbook["協力店・来訪"].iter_rows(values_only=True) if r[0]]
    assert ("伊賀焼の店", 3, 2, 1) in shops
    cover = {row[0].value: row[1].value for row in workbook["表紙"].iter_rows(min_row=2)
             if row[0].value}  # fmt: skip
    assert cover["対象期間"] == "2024年度"
    assert cover["開催した活動（回）"] == 1
    assert cover["参加（実人数）"] == 1
    headline = {r[0]: r[1:] for r in workbook["把握"].iter_rows(values_only=True) if r[0]}
    assert headline["会員数"][:3] == (4, 2, 2)
    assert headline["この期間の退会"][0] == 1
    assert workbook["把握"]["B3"].number_format == "#,##0"
    funnel = {r[0].value: r[1:] for r in workbook["把握"].iter_rows() if r[0].value}
    assert funnel["参加"][1].value == 0.5  # 2 of 4 registered took part
    assert funnel["参加"][1].number_format == "0.0%"
    assert AuditEvent.objects.get().detail["what"] == "report:xlsx"


def test_report_pdf_is_an_a4_summary(client, community, dataset):
    _login(client, community)
    response = client.get("/staff/insights/report.pdf?fiscal_year=2024")
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4
    assert b"BIZUDPGothic" in pdf  # the Japanese font is embedded
    assert _pdf_title(pdf) == "伊賀衆 関係人口の取り組み報告（2024年度）"
    pages = pdf_pages_text(pdf)
    assert len(pages) == 2
    first = pages[0].splitlines()
    assert first[0] == "伊賀衆 関係人口の取り組み報告（2024年度）"
    # Headline figures: members 4 (previous year 2, +2), withdrawn 1.
    at = first.index("会員数")
    assert first[at : at + 4] == ["会員数", "4", "2", "+2"]
    at = first.index("この期間の退会")
    assert first[at : at + 4] == ["この期間の退会", "1", "0", "+1"]
    at = first.index("継続")
    assert first[at : at + 5] == ["継続", "2", "100.0%", "1", "+1"]
    at = first.index("開催した活動（回）")
    assert first[at + 1] == "1"
    second = pages[1].splitlines()
    at = second.index("継続的な来訪", second.index("関わり方"))
    assert second[at + 1] == "2"  # July and September; the corrected November visit is not
    at = second.index("東京都")
    assert second[at : at + 3] == ["東京都", "2", "50.0%"]


def test_a_report_without_a_fiscal_year_is_refused(client, community):
    _login(client, community)
    response = client.get("/staff/insights/report.xlsx?fiscal_year=1900")
    assert response.status_code == 400
    assert AuditEvent.objects.count() == 0


def test_open_data_suppresses_small_cells(client, community, dataset):
    _login(client, community)
    for _ in range(10):
        MemberFactory(prefecture_code="13", joined_at=dataset["a"].joined_at)
    rows = _csv(client.get("/staff/insights/opendata.csv?fiscal_year=2024"))
    assert rows[0] == ["時点", "都道府県コード", "都道府県", "生まれた年代", "つながり", "人数"]
    assert rows[1] == ["2025-03-31", "13", "東京都", "1980年代", "出身", "12"]
    assert [row[-1] for row in rows[2:]] == ["x", "x", "x"]  # under 10
    text = "\n".join(",".join(r) for r in rows)
    assert "伊賀" not in text and "IGA-" not in text  # no names, no numbers
    rows = _csv(client.get("/staff/insights/opendata.csv?fiscal_year=2024&minimum=1"))
    assert [row[-1] for row in rows[1:]] == ["12", "1", "1", "1"]
    event = AuditEvent.objects.filter(detail__what="open_data").first()
    assert event.detail["minimum"] in (1, 10)


def _grow(community, n: int) -> None:
    for i in range(n):
        member = MemberFactory(prefecture_code=f"{i % 47 + 1:02d}", ties=["birthplace", "family"])
        engagement_record(member=member, kind=Kind.VISIT, points=20)


def test_dashboard_queries_do_not_grow_with_the_data(client, community, dataset,
                                                     django_assert_max_num_queries):  # fmt: skip
    _login(client, community)
    client.get("/staff/insights/")  # session, community, role are warm after this
    with CaptureQueriesContext(connection) as small:
        assert client.get("/staff/insights/").status_code == 200
    queries = len(small)  # read now: the next request empties the query log
    _grow(community, 30)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/staff/insights/").status_code == 200
    assert len(large) == queries
    with django_assert_max_num_queries(40):
        client.get("/staff/insights/?prefecture=13")


def test_the_dashboard_in_english_has_no_japanese_ui_text(client, community, dataset):
    from tests.test_i18n import japanese_ui_text

    _login(client, community)
    page = client.get(f"/staff/insights/{FY2024}&prefecture=13&lang=en").content.decode()
    assert '<html lang="en">' in page
    assert "Members by prefecture" in page
    data = ("田植え体験", "忍者講座", "伊賀焼の店", "伊賀上野駅", "伊賀焼の店の入口")
    assert japanese_ui_text(page, extra_data=data) == []
