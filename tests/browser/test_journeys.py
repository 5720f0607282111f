"""What a person does on a phone: find 伊賀衆, register, confirm the address, show the card.

Run: .venv/bin/pytest tests/browser -q  (Debian's chromium at /usr/bin/chromium; skipped without
it unless CI=true).
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from enishi.members.models import Member
from tests.factories import MemberFactory

from .conftest import ARTIFACTS, PASSWORD, axe_violations, format_violations

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^\s\"'<>]+")


def _last_mail_to(address: str):
    sent = [m for m in mail.outbox if address in m.to]
    assert sent, f"no mail to {address}; outbox: {[(m.to, m.subject) for m in mail.outbox]}"
    return sent[-1]


def test_register_on_a_phone_confirm_and_show_the_card(phone, site):
    page = phone
    email = "hanzo@example.jp"

    page.goto(site.url + "/")
    page.get_by_role("link", name="伊賀衆に登録する").tap()
    expect(page).to_have_url(re.compile(r"/join/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("伊賀衆に登録する")

    page.get_by_label("メールアドレス").fill(email)
    page.locator("#id_password1").fill("iga-ninja-2026!")
    page.locator("#id_family_name").fill("服部")
    page.locator("#id_given_name").fill("半蔵")
    # Kana typed in hiragana: the form stores katakana.
    page.locator("#id_family_name_kana").fill("はっとり")
    page.locator("#id_given_name_kana").fill("はんぞう")
    page.locator("#id_birth_year").select_option("1985")
    page.locator("#id_birth_month").select_option("4")

    # Full-width digits and a full-width hyphen, as a Japanese IME types them; htmx asks the
    # server for the address and fills 都道府県 and 市区町村.
    page.locator("#id_postal_code").press_sequentially("５１８－０８７３")
    expect(page.locator("#id_prefecture_code")).to_have_value("24")
    expect(page.locator("#id_city")).to_have_value("伊賀市")
    expect(page.locator("#address-fields")).to_contain_text("見つかりました")
    expect(page.locator("#id_prefecture_code option:checked")).to_have_text("三重県")

    page.get_by_role("checkbox", name="出身", exact=True).check()
    page.get_by_role("checkbox", name="伊賀の文化・忍者が好き").check()
    page.locator("#id_agree_terms").check()
    page.get_by_role("button", name="登録する").tap()

    # Registered, waiting for the address to be confirmed.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    member = Member.objects.get(user__email=email)
    assert member.status == Member.Status.PENDING
    assert member.number is None
    assert (member.family_name_kana, member.given_name_kana) == ("ハットリ", "ハンゾウ")
    assert (member.postal_code, member.prefecture_code, member.city) == (
        "5180873",
        "24",
        "伊賀市",
    )
    assert sorted(member.ties.values_list("tie", flat=True)) == ["birthplace", "culture"]

    # The verification mail, sent after the registration committed.
    message = _last_mail_to(email)
    link = CONFIRM_LINK.search(message.body)
    assert link, message.body
    page.goto(link.group(0))
    page.locator("main").get_by_role("button", name="確認する").click()

    expect(page).to_have_url(re.compile(r"/me/$"))
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert re.fullmatch(r"IGA-\d{6}", member.number)
    main = page.locator("main")
    expect(main).to_contain_text(member.number)
    expect(main.locator(".standing")).to_contain_text("新入り")
    expect(main).to_contain_text(member.full_name)
    expect(main).to_contain_text("ハットリ")
    expect(main).to_contain_text("三重県伊賀市")

    page.get_by_role("link", name="会員証を表示する").click()
    expect(page).to_have_url(re.compile(r"/me/card/$"))
    card = page.locator("article.member-card")
    expect(card).to_contain_text(member.number)
    expect(card).to_contain_text("伊賀衆")
    expect(card).to_contain_text("新入り")
    qr = card.locator(".member-card__qr > svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] > 150 and abs(box["width"] - box["height"]) < 2, box
    assert qr.locator("path, rect").count() > 0

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "card.png"), full_page=True)
    assert page.problems == []


def test_join_errors_are_summarised_focused_and_keep_what_was_typed(phone, site):
    page = phone
    page.goto(site.url + "/join/")
    page.get_by_label("メールアドレス").fill("keep@example.jp")
    page.locator("#id_family_name").fill("伊賀")
    page.locator("#id_family_name_kana").fill("abc")
    page.locator("#id_birth_year").select_option("1990")
    page.get_by_role("button", name="登録する").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    # The summary comes before the form, right under the page's introduction.
    assert page.evaluate(
        """() => {
            const s = document.querySelector('[data-error-summary]');
            const f = document.querySelector('main form');
            return !!(s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    items = summary.get_by_role("listitem")
    expect(items.first).to_have_text("名：このフィールドは必須です。")
    expect(summary).to_contain_text("セイ：カタカナで入力してください")
    expect(summary).to_contain_text("伊賀とのつながり：")
    expect(summary).to_contain_text("利用規約とプライバシーポリシーへの同意が必要です")
    expect(summary).not_to_contain_text("姓：")  # typed, so not in the list

    # Each link in the summary leads to its field, a group of checkboxes to the first one.
    summary.get_by_role("link", name=re.compile("^セイ")).click()
    expect(page.locator("#id_family_name_kana")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^伊賀とのつながり")).click()
    expect(page.locator("#id_ties_0")).to_be_focused()

    # What was typed is still there; the broken fields are marked invalid.
    expect(page.get_by_label("メールアドレス")).to_have_value("keep@example.jp")
    expect(page.locator("#id_family_name")).to_have_value("伊賀")
    expect(page.locator("#id_family_name_kana")).to_have_value("abc")
    expect(page.locator("#id_family_name_kana")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_birth_year")).to_have_value("1990")
    assert not Member.objects.exists()
    assert page.problems == []


def _log_in(page, site, email: str) -> None:
    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def test_pages_have_no_serious_accessibility_violations(audit_phone, site):
    page = audit_phone
    member = MemberFactory(family_name="百地", given_name="丹波", nickname="")
    failures = []

    def audit(path: str) -> None:
        page.goto(site.url + path)
        found = axe_violations(page)
        if found:
            failures.append(format_violations(path, found))

    audit("/")
    audit("/join/")
    page.get_by_role("button", name="登録する").click()  # /join/ with its error summary
    expect(page.locator("[data-error-summary]")).to_be_visible()
    found = axe_violations(page)
    if found:
        failures.append(format_violations("/join/ (with errors)", found))

    _log_in(page, site, member.user.email)
    audit("/me/")
    expect(page.locator("main")).to_contain_text(member.number)
    audit("/me/card/")
    expect(page.locator(".member-card__qr svg")).to_be_visible()

    report = "\n\n".join(failures)
    if failures:
        print(report)
    assert not failures, report
    assert page.problems == []
