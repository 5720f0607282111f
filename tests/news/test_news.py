"""Activity reports: public pages with OGP and share links, feeds, staff editing, photos."""

import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from enishi.news.models import Report, ReportPhoto
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post

from .factories import ReportFactory, image_bytes, report_photo, upload


class HeadMeta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.scripts, self.links = {}, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        if tag == "script":
            self.scripts.append(attrs.get("src"))
        if tag == "a":
            self.links.append(attrs.get("href"))


def parse(response) -> HeadMeta:
    parser = HeadMeta()
    parser.feed(response.content.decode())
    return parser


def test_a_report_page_has_open_graph_and_twitter_card_metadata(client, community):
    report = ReportFactory(title="伊賀焼の窯出しを手伝いました")
    photo = report_photo(report)
    page = parse(client.get(f"/news/{report.pk}/"))
    url = f"http://testserver/news/{report.pk}/"
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] == "伊賀焼の窯出しを手伝いました"
    assert page.meta["og:description"] == report.summary
    assert page.meta["description"] == report.summary
    assert page.meta["og:url"] == url
    assert page.meta["og:image"] == f"http://testserver{photo.image.url}"
    assert page.meta["og:site_name"] == "伊賀衆"
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:title"] == report.title
    assert page.meta["twitter:image"] == page.meta["og:image"]
    assert page.meta["article:published_time"].startswith(str(report.published_at.year))


def test_without_photos_the_card_is_small_and_uses_the_logo(client, community):
    report = ReportFactory()
    page = parse(client.get(f"/news/{report.pk}/"))
    assert page.meta["twitter:card"] == "summary"
    assert page.meta["og:image"].startswith("http://testserver/static/")


def test_share_buttons_are_plain_links_and_no_third_party_script_is_loaded(client, community):
    report = ReportFactory(title="忍者の里を歩く")
    page = parse(client.get(f"/news/{report.pk}/"))
    assert all(src.startswith("/static/") for src in page.scripts)
    url = f"http://testserver/news/{report.pk}/"
    shares = {urlsplit(h).netloc: parse_qs(urlsplit(h).query) for h in page.links
              if h and h.startswith("https://")}  # fmt: skip
    assert shares["x.com"]["url"] == [url]
    assert shares["x.com"]["text"] == ["忍者の里を歩く | 伊賀衆"]
    assert shares["www.facebook.com"]["u"] == [url]
    assert shares["social-plugins.line.me"]["url"] == [url]
    assert shares["b.hatena.ne.jp"]["url"] == [url]


def test_the_body_is_markdown_and_raw_html_never_reaches_the_page(client, community):
    report = ReportFactory(
        body="## 当日\n\n[公式](https://www.city.iga.lg.jp/) [x](javascript:alert(1))\n\n"
        "<script>alert('xss')</script><img src=x onerror=alert(1)>"
    )
    html = client.get(f"/news/{report.pk}/").content.decode()
    assert "<h3>当日</h3>" in html  # "#" is <h2> under the page's <h1>, "##" is <h3>
    assert 'href="https://www.city.iga.lg.jp/"' in html
    assert "javascript:" not in html
    assert "alert('xss')" not in html and "onerror" not in html


def test_staff_cannot_save_markdown_with_raw_html(client, community):
    client.force_login(staff_user(community))
    data = {"title": "お知らせ", "summary": "概要", "use": "", "activity": "",
            "status": "draft", "body": "こんにちは<iframe src=https://evil.example>"}  # fmt: skip
    response = post(client, "/staff/news/new/", data)
    assert response.status_code == 200
    assert "本文にHTMLのタグは使えません。" in response.content.decode()
    assert "こんにちは&lt;iframe" in response.content.decode()  # kept, escaped
    assert not Report.objects.exists()


def test_the_report_links_to_upcoming_activities_of_the_same_use(client, community):
    reported = SessionFactory(activity__title="上野天神祭の準備", activity__use="local_activity")
    upcoming = SessionFactory(activity__title="伊賀くみひも体験", activity__use="local_activity")
    other_use = SessionFactory(activity__title="移住体験ツアー", activity__use="migration_trial")
    report = ReportFactory(activity=reported.activity)
    html = client.get(f"/news/{report.pk}/").content.decode()
    assert "伊賀くみひも体験" in html and f"/activities/{upcoming.activity_id}/" in html
    assert "移住体験ツアー" not in html
    assert "/activities/?use=local_activity" in html
    assert other_use  # exists, just not of this use


def test_drafts_are_hidden_from_the_public_and_shown_to_content_staff(client, community):
    draft = ReportFactory(status=Report.Status.DRAFT, published_at=None, title="下書きの記事")
    assert client.get(f"/news/{draft.pk}/").status_code == 404
    assert "下書きの記事" not in client.get("/news/").content.decode()
    client.force_login(MemberFactory(community=community).user)
    assert client.get(f"/news/{draft.pk}/").status_code == 404
    client.force_login(staff_user(community))
    assert "下書きです" in client.get(f"/news/{draft.pk}/").content.decode()


def test_the_feeds_are_well_formed_xml_listing_published_reports(client, community):
    ReportFactory(title="伊賀の秋祭りレポート")
    ReportFactory(title="非公開の下書き", status=Report.Status.DRAFT, published_at=None)
    response = client.get("/news/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    atom = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)]
    assert titles == ["伊賀の秋祭りレポート"]
    assert atom.findtext("a:title", namespaces=ns) == "伊賀衆の活動レポート"
    entry = atom.find("a:entry", ns)
    assert entry.find("a:link", ns).get("href").startswith("http://testserver/news/")
    assert "<strong>丸柱</strong>" in entry.findtext("a:summary", namespaces=ns)
    response = client.get("/news/feed.rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    rss = ET.fromstring(response.content)
    assert [i.findtext("title") for i in rss.iter("item")] == ["伊賀の秋祭りレポート"]
    home = client.get("/").content.decode()
    assert 'type="application/atom+xml" href="/news/feed.atom"' in home


def test_the_landing_page_shows_the_latest_three_reports(client, community):
    for n in range(4):
        ReportFactory(title=f"レポート{n}")
    html = client.get("/").content.decode()
    assert "最新の活動レポート" in html
    assert "レポート3" in html and "レポート1" in html and "レポート0" not in html


def test_the_list_query_count_does_not_grow(client, community, django_assert_max_num_queries):
    for _ in range(12):
        report_photo(ReportFactory())
    with django_assert_max_num_queries(8):
        assert client.get("/news/").status_code == 200


def test_staff_write_publish_and_illustrate_a_report(client, community):
    admin = staff_user(community)
    client.force_login(admin)
    session = SessionFactory(activity__title="伊賀焼の窯出し見学")
    data = {"title": "窯出しの日", "summary": "丸柱で窯出しを見学しました。",
            "body": "## 当日の様子\n\n土鍋が並びました。", "use": "",
            "activity": session.activity_id, "status": "draft"}  # fmt: skip
    response = post(client, "/staff/news/new/", data)
    report = Report.objects.get()
    assert response["Location"] == f"/staff/news/{report.pk}/edit/"
    assert report.published_at is None and report.created_by == admin
    data["status"] = "published"
    post(client, f"/staff/news/{report.pk}/edit/", data)
    report.refresh_from_db()
    assert report.is_published and report.published_at is not None
    # A 3000×2000 photo with a location in its EXIF: stored smaller and without metadata.
    exif = Image.Exif()
    exif[0x8825] = {2: (34.0, 46.0, 0.0)}  # GPSInfo
    photo_bytes = image_bytes(size=(3000, 2000), exif=exif)
    response = post(client, f"/staff/news/{report.pk}/photos/",
                    {"image": upload(content=photo_bytes), "alt": "並んだ土鍋"})  # fmt: skip
    assert response.status_code == 302
    photo = ReportPhoto.objects.get()
    assert (photo.width, photo.height) == (2000, 1333)
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
    html = client.get(f"/news/{report.pk}/").content.decode()
    assert 'alt="並んだ土鍋"' in html and photo.image.url in html
    post(client, f"/staff/news/{report.pk}/photos/{photo.pk}/delete/")
    assert not ReportPhoto.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"GIF89a not really", "photo.jpg"),
        (b"%PDF-1.7 a document", "photo.png"),
        (image_bytes("GIF", size=(50, 50)), "anim.gif"),
    ],
)
def test_files_that_are_not_photos_are_refused(client, community, content, name):
    report = ReportFactory()
    client.force_login(staff_user(community))
    response = post(client, f"/staff/news/{report.pk}/photos/",
                    {"image": upload(name=name, content=content), "alt": "写真"})  # fmt: skip
    assert response.status_code == 400
    assert "JPEG・PNG・WebP の写真を選んでください。" in response.content.decode()
    assert not ReportPhoto.objects.exists()


def test_a_photo_needs_its_description(client, community):
    report = ReportFactory()
    client.force_login(staff_user(community))
    response = post(client, f"/staff/news/{report.pk}/photos/", {"image": upload(), "alt": ""})
    assert response.status_code == 400
    assert not ReportPhoto.objects.exists()


def test_upload_size_limits(client, community, settings):
    settings.ENISHI_PHOTO_MAX_BYTES = 100 * 1024
    report = ReportFactory()
    client.force_login(staff_user(community))
    big = image_bytes("PNG", size=(600, 600), color=(1, 2, 3)) + b"\0" * (200 * 1024)
    response = post(client, f"/staff/news/{report.pk}/photos/",
                    {"image": upload(name="big.png", content=big), "alt": "写真"})  # fmt: skip
    assert response.status_code == 400
    assert "MB までです。" in response.content.decode()
    # The photo path may take a larger body than other pages…
    response = post(client, f"/staff/news/{report.pk}/photos/",
                    {"image": upload(content=b"\xff" * (600 * 1024)), "alt": "写真"})  # fmt: skip
    assert response.status_code == 400  # read and refused as a photo, not as a body
    # …but not more than its own limit, and other pages keep theirs.
    huge = io.BytesIO(b"\xff" * (11 * 1024 * 1024))
    huge.name = "huge.jpg"
    response = client.post(f"/staff/news/{report.pk}/photos/", {"image": huge, "alt": "写真"})
    assert response.status_code == 413
    response = client.post("/staff/news/new/", {"body": "あ" * (600 * 1024)})
    assert response.status_code == 413
