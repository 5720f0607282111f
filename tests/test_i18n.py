"""The English catalogue is complete, compiled, and every page renders without Japanese UI text.

The UI's source language is Japanese (msgids are the Japanese text); English comes from
src/enishi/locale/en/LC_MESSAGES/django.po, compiled to the django.mo next to it.
"""

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from enishi.communities.models import Community, Organizer, Rank, Tag
from enishi.core.japan import PREFECTURES
from enishi.core.postal import lookup_postal_code
from enishi.mailings.models import Mailing, MailTopic, Segment
from enishi.members import services
from enishi.members.models import Member, MemberUse, Use
from enishi.privacy.models import PolicyVersion
from tests.factories import MemberFactory, staff_user

from .members.helpers import join, post

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"

# Hiragana, katakana (full- and half-width, phonetic extensions) and CJK ideographs.
JAPANESE = re.compile(
    "[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


# --- the catalogue ---------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict]:
    """A tiny .po reader: each entry's flags, msgid, msgid_plural and msgstr(s)."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {
                "flags": set(),
                "msgctxt": None,
                "msgid": None,
                "msgid_plural": None,
                "msgstr": {},
            }
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.fullmatch(
            r'(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?) (".*")', line
        ):
            keyword, index, value = match.groups()
            if keyword.startswith("msgstr"):
                key = ("msgstr", int(index) if index else None)
                entry["msgstr"][key[1]] = ast.literal_eval(value)
            else:
                key = (keyword,)
                entry[keyword] = ast.literal_eval(value)
        elif line.startswith('"'):
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += ast.literal_eval(line)
            else:
                entry[key[0]] += ast.literal_eval(line)
        else:
            raise AssertionError(f"unexpected line in {path.name}: {line!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    entries = _po_entries(CATALOGUE / "django.po")
    assert entries[0]["msgid"] == "", "the catalogue starts with its header"
    return entries[1:]


def test_the_english_catalogue_covers_the_whole_ui(po_entries):
    assert len(po_entries) > 250
    sources = {"members", "communities", "privacy", "insights", "core", "templates"}
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    found = {m.split("/")[0] for m in re.findall(r"^#: (\S+)", text, re.M)}
    assert sources <= found, f"no strings from {sources - found}"
    assert "site-packages" not in text, "third-party strings do not belong in our catalogue"


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries):
    untranslated = [e["msgid"] for e in po_entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    header = (CATALOGUE / "django.po").read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header


def test_no_translation_is_left_in_japanese(po_entries):
    japanese = [
        (e["msgid"], s)
        for e in po_entries
        for s in e["msgstr"].values()
        if JAPANESE.search(s.replace("Iga-shu", ""))
    ]
    assert not japanese


def test_translations_keep_placeholders_and_markup(po_entries):
    for entry in po_entries:
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for msgstr in entry["msgstr"].values():
            assert sorted(PLACEHOLDER.findall(msgstr)) == expected, entry["msgid"]
        if entry["msgid_plural"] is not None:
            assert set(entry["msgstr"]) == {0, 1}, entry["msgid"]


def test_the_compiled_catalogue_matches_the_po(po_entries):
    """django.mo is committed (fresh machines have no gettext): it must be compiled from the
    current django.po."""
    with (CATALOGUE / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    for entry in po_entries:
        key = (
            entry["msgid"]
            if entry["msgctxt"] is None
            else f"{entry['msgctxt']}\x04{entry['msgid']}"
        )
        if entry["msgid_plural"] is None:
            assert catalog.get(key) == entry["msgstr"][None], entry["msgid"]
        else:
            for index, msgstr in entry["msgstr"].items():
                assert catalog.get((entry["msgid"], index)) == msgstr, entry["msgid"]


# --- the pages -------------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes outside <script>/<style>, plus the attributes
    that are read out or shown (title, aria-label, placeholder, alt, button values, the page
    description)."""

    ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        attrs = dict(attrs)
        self.chunks += [v for k, v in attrs.items() if k in self.ATTRIBUTES and v]
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.chunks.append(attrs.get("value") or "")
        if tag == "meta" and attrs.get("name") == "description":
            self.chunks.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.chunks


def data_values() -> list[str]:
    """Japanese that may appear on an English page because it is data, not UI: what the
    database holds (communities, ranks, tags, members) and the reference data of
    enishi.core.japan, plus the language switch's own name for Japanese."""
    values = {translation.get_language_info("ja")["name_local"]}  # 日本語
    values |= {name for _code, name, _region in PREFECTURES}
    for community in Community.objects.all():
        # Not the tagline: it repeats a UI msgid and would hide it if left untranslated.
        values |= {community.name, community.municipality_name}
    values |= set(Rank.objects.values_list("name", flat=True))
    values |= set(Tag.objects.values_list("name", flat=True))
    values |= set(Organizer.objects.values_list("name", flat=True))
    values |= set(PolicyVersion.objects.values_list("changes", flat=True))
    for fields in MailTopic.objects.values_list("name", "description"):
        values |= set(fields)
    values |= set(Segment.objects.values_list("name", flat=True))
    values |= set(Mailing.objects.values_list("subject", flat=True))
    for fields in Member.objects.values_list(
        "family_name", "given_name", "family_name_kana", "given_name_kana", "nickname",
        "city", "address_line", "tie_other", "skills_text", "number",
    ):  # fmt: skip
        values |= set(fields)
    return sorted((v for v in values if v and JAPANESE.search(v)), key=len, reverse=True)


def japanese_ui_text(html: str, extra_data: tuple[str, ...] = ()) -> list[str]:
    """The visible chunks that still hold Japanese once the data values are taken out."""
    allowed = sorted([*data_values(), *extra_data], key=len, reverse=True)
    found = []
    for chunk in visible_text(html):
        rest = chunk
        for value in allowed:
            rest = rest.replace(value, " ")
        if JAPANESE.search(rest):
            found.append(chunk)
    return found


@pytest.fixture
def people(community):
    """A member with everything filled in, plus pending and withdrawn members for the list."""
    topics = list(community.tags.filter(kind=Tag.Kind.TOPIC)[:2])
    skills = list(community.tags.filter(kind=Tag.Kind.SKILL)[:2])
    member = MemberFactory(
        family_name="服部",
        given_name="半蔵",
        nickname="いがぐり",
        address_line="上野丸之内1-1",
        phone="0595-22-9600",
        skills_text="デザインの仕事をしています。",
        tie_other="仕事で伊賀に通っていました",
        ties=["birthplace", "family", "other"],
        channel="friend",
        gender="female",
    )
    member.topics.set(topics)
    member.skills.set(skills)
    MemberUse.objects.bulk_create(MemberUse(member=member, use=u) for u in Use)
    services.member_set_newsletter(member=member, granted=True)
    MemberFactory(
        status=Member.Status.PENDING, number=None, joined_at=None, family_name="百地",
        nickname="しのび",
    )  # fmt: skip
    services.member_withdraw(member=MemberFactory(family_name="藤林", ties=["hometown_tax"]))
    return {"member": member, "staff": staff_user(community)}


PUBLIC_PAGES = ["/", "/join/", "/terms/", "/privacy/", "/accounts/login/"]
MEMBER_PAGES = ["/me/", "/me/card/", "/me/profile/", "/me/mail/", "/me/withdraw/"]
STAFF_PAGES = [
    "/staff/", "/staff/members/", "/staff/tags/topic/", "/staff/tags/skill/", "/staff/team/",
    "/staff/audit/", "/staff/policies/", "/staff/security/", "/staff/insights/",
    "/staff/insights/?prefecture=13", "/staff/segments/", "/staff/segments/new/",
    "/staff/mailings/", "/staff/mailings/new/", "/staff/mailings/journeys/",
]


def _english_page(client, url: str) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="en">' in page, url
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_in_english_have_no_japanese_ui_text(client, people, url):
    page = _english_page(client, url)
    assert japanese_ui_text(page) == [], url


@pytest.mark.django_db
@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_member_pages_in_english_have_no_japanese_ui_text(client, people, url):
    client.force_login(people["member"].user)
    page = _english_page(client, url)
    assert japanese_ui_text(page) == [], url


@pytest.mark.django_db
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_in_english_have_no_japanese_ui_text(client, people, url):
    client.force_login(people["staff"])
    page = _english_page(client, url)
    assert japanese_ui_text(page) == [], url


@pytest.mark.django_db
def test_staff_member_detail_and_card_check_in_english(client, people):
    member = people["member"]
    client.force_login(people["staff"])
    for m in Member.objects.all():
        page = _english_page(client, f"/staff/members/{m.pk}/")
        assert japanese_ui_text(page) == [], m.status
    token = services.card_token_issue(member=member)
    page = _english_page(client, f"/card/{token}/")
    assert "This is a valid 伊賀衆 member card." in page
    assert japanese_ui_text(page) == []
    response = client.get("/card/not-a-token/?lang=en")
    assert japanese_ui_text(response.content.decode()) == []


@pytest.mark.django_db
def test_form_errors_and_messages_in_english(client, people):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad_join = post(
        client,
        "/join/",
        {"email": "x@example.jp", "family_name": "百地", "family_name_kana": "momochi",
         "postal_code": "5180873", "prefecture_code": "13", "ties": ["other"]},
    )  # fmt: skip
    page = bad_join.content.decode()
    assert "Please check your entries" in page
    assert "Please enter this in katakana" in page
    assert "This does not match the prefecture of the postal code" in page
    assert japanese_ui_text(page, extra_data=("百地",)) == []  # the family name as typed

    client.force_login(people["member"].user)
    page = post(client, "/me/withdraw/", {}).content.decode()
    assert "Please tick the confirmation box to withdraw." in page
    assert japanese_ui_text(page) == []

    page = post(client, "/me/mail/", {"newsletter": ""}, follow=True).content.decode()
    assert "Your email preferences have been saved." in page
    assert japanese_ui_text(page) == []


@pytest.mark.django_db
def test_postal_lookup_note_in_english(client, people):
    response = client.get(
        "/postal/", {"postal_code": "5180873", "lang": "en"}, headers={"HX-Request": "true"}
    )
    address = lookup_postal_code("5180873")
    place = f"{address.prefecture}{address.city}{address.town}"
    page = response.content.decode()
    assert f"Found {place}." in page
    assert japanese_ui_text(page, extra_data=(place,)) == []


@pytest.mark.django_db
def test_english_pages_show_english_and_data_stays_as_entered(client, people):
    home = _english_page(client, "/")
    assert "Join 伊賀衆" in home and "Log in" in home
    assert "Furusato nozei (hometown tax donation)" in home
    join = _english_page(client, "/join/")
    assert "Prefer not to say" in join and "Required" in join and "Optional" in join
    assert ">Mie<" in join  # prefecture names are shown romanised in English
    client.force_login(people["staff"])
    staff_list = _english_page(client, "/staff/members/")
    assert "Born or raised there" in staff_list and "Withdrawn" in staff_list


@pytest.mark.django_db
def test_account_mails_in_english(client, community):
    MemberFactory(user__email="taken@example.jp")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert join(client).status_code == 302  # the confirmation mail
    assert join(client, email="taken@example.jp").status_code == 302  # "already registered"
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        for text in (message.subject, message.body):
            rest = text.replace(community.name, "").replace(community.municipality_name, "")
            assert not JAPANESE.search(rest), text


# --- Japanese stays Japanese -----------------------------------------------------------------


@pytest.mark.django_db
def test_japanese_requests_show_japanese(client, people):
    page = client.get("/", headers={"Accept-Language": ""}).content.decode()
    assert '<html lang="ja">' in page
    assert '<html lang="ja">' in client.get("/", headers={"Accept-Language": "en"}).text
    assert "ログイン" in page and "離れていても、伊賀の仲間" in page
    assert "Log in" not in page

    _english_page(client, "/")  # the cookie now says English ...
    page = client.get("/?lang=ja").content.decode()  # ... until Japanese is chosen again
    assert '<html lang="ja">' in page and "ログイン" in page

    client.force_login(people["member"].user)
    page = client.get("/me/").content.decode()
    assert "<h1>マイページ</h1>" in page and "会員番号" in page
    assert "My page" not in page


@pytest.mark.django_db
def test_mailing_pages_and_unsubscribe_in_english(client, people):
    from enishi.mailings.messages import unsubscribe_token
    from enishi.mailings.services import mailing_queue
    from enishi.privacy.models import Consent

    member = people["member"]
    Consent.objects.create(member=member, purpose="newsletter_email", granted=True, source="t")
    topic = MailTopic.objects.first()
    segment = Segment.objects.create(
        community=member.community, name="Everyone", conditions={"everyone": True}
    )
    mailing = Mailing.objects.create(community=member.community, topic=topic, segment=segment,
                                     subject="Autumn news", body="Hello {nickname}")  # fmt: skip
    client.force_login(people["staff"])
    urls = [f"/staff/mailings/{mailing.pk}/", f"/staff/mailings/{mailing.pk}/preview/",
            f"/staff/segments/{segment.pk}/", f"/staff/mailings/{mailing.pk}/edit/"]  # fmt: skip
    for url in urls:
        assert japanese_ui_text(_english_page(client, url)) == [], url
    page = post(client, "/staff/segments/count/?lang=en",
                {"match": "all", "everyone": "on"}).content.decode()  # fmt: skip
    assert japanese_ui_text(page) == []
    mailing_queue(mailing=mailing)
    for url in (f"/staff/mailings/{mailing.pk}/", f"/staff/mailings/{mailing.pk}/recipients/"):
        assert japanese_ui_text(_english_page(client, url)) == [], url
    client.logout()
    url = f"/unsubscribe/{unsubscribe_token(member=member, topic=topic)}/"
    assert japanese_ui_text(_english_page(client, url)) == []
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = post(client, url, {"scope": "topic"}).content.decode()
    assert japanese_ui_text(page) == []
