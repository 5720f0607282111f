"""Staff build a segment (the count follows the conditions), compose a mailing, preview it as
a member and send it; the pages pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

from enishi.mailings.models import Delivery, Mailing, Segment
from enishi.privacy.models import Consent
from tests.factories import MemberFactory, staff_user

from .conftest import axe_violations, format_violations, sign_in_staff

pytestmark = pytest.mark.browser


def _subscriber(**kwargs):
    member = MemberFactory(**kwargs)
    Consent.objects.create(member=member, purpose="newsletter_email", granted=True, source="t")
    return member


def _staff_page(browser, site, community):
    staff = staff_user(community, email="kouhou@example.jp")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    sign_in_staff(page, site, staff)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    return context, page


def test_segment_compose_preview_and_send(browser, site):
    kansai = [_subscriber(prefecture_code=code, nickname=f"関西{i}")
              for i, code in enumerate(["27", "26", "28"])]  # fmt: skip
    _subscriber(prefecture_code="13", nickname="東京")
    community = kansai[0].community
    context, page = _staff_page(browser, site, community)

    page.get_by_role("link", name="メール配信・セグメント・自動送信").click()
    page.get_by_role("link", name="セグメント").first.click()
    page.get_by_role("link", name="セグメントを作る", exact=True).click()
    page.get_by_label("セグメント名").fill("関西の会員")
    page.get_by_label("関西").check()
    preview = page.locator("#segment-preview")
    expect(preview).to_contain_text("3")
    expect(preview).to_contain_text("関西1")
    expect(preview).not_to_contain_text("東京")
    page.get_by_label("関東").check()
    page.get_by_text("いずれかの条件に当てはまる（OR）").click()
    expect(preview.locator("strong")).to_have_text("4")
    page.get_by_label("関東").uncheck()
    expect(preview.locator("strong")).to_have_text("3")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator("main")).to_contain_text("セグメントを保存しました")
    assert Segment.objects.get().conditions == {"regions": ["kansai"]}

    page.goto(site.url + "/staff/mailings/new/")
    page.get_by_label("件名").fill("{nickname}さん、伊賀だより")
    page.get_by_label("本文（Markdown）").fill("{nickname}さん、**伊賀**の秋です。{nicknme}")
    page.get_by_label("送り先のセグメント").select_option(label="関西の会員")
    page.get_by_role("button", name="下書きを保存する").click()
    expect(page.locator(".error-summary")).to_contain_text("差し込み項目 {nicknme} はありません")
    expect(page.get_by_label("件名")).to_have_value("{nickname}さん、伊賀だより")
    page.get_by_label("本文（Markdown）").fill("{nickname}さん、**伊賀**の秋です。")
    page.get_by_role("button", name="下書きを保存する").click()
    expect(page.locator("main")).to_contain_text("3")

    page.get_by_label("プレビューする会員の会員番号").fill(kansai[1].number)
    page.get_by_role("button", name="プレビューする").click()
    main = page.locator("main")
    expect(main).to_contain_text("関西1さん、伊賀だより")
    expect(main.locator(".mail-preview strong")).to_have_text("伊賀")
    expect(main).to_contain_text("この配信リストを停止する")

    page.get_by_role("link", name="メールに戻る").click()
    page.get_by_role("button", name=re.compile("いま3人に送信する")).click()
    expect(page.locator("#mailing-progress")).to_contain_text("100% 完了")
    mailing = Mailing.objects.get()
    assert mailing.status == Mailing.Status.SENT
    assert Delivery.objects.filter(mailing=mailing, status="sent").count() == 3
    assert page.problems == []
    context.close()


def test_mailing_pages_have_no_serious_accessibility_violations(browser, site):
    member = _subscriber(prefecture_code="27")
    community = member.community
    segment = Segment.objects.create(community=community, name="全員",
                                     conditions={"everyone": True})  # fmt: skip
    mailing = Mailing.objects.create(
        community=community, segment=segment, topic=community.mail_topics.first(),
        subject="伊賀だより", body="{nickname}さん、こんにちは。",
    )  # fmt: skip
    staff = staff_user(community, email="a11y@example.jp")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP",
                                  bypass_csp=True)  # fmt: skip
    page = context.new_page()
    sign_in_staff(page, site, staff)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    from enishi.mailings.messages import unsubscribe_token

    token = unsubscribe_token(member=member, topic=mailing.topic)
    failures = []
    for path in ["/staff/segments/new/", "/staff/mailings/", f"/staff/mailings/{mailing.pk}/",
                 f"/staff/mailings/{mailing.pk}/preview/", "/staff/mailings/new/",
                 "/staff/mailings/journeys/", f"/unsubscribe/{token}/"]:  # fmt: skip
        page.goto(site.url + path)
        found = axe_violations(page)
        if found:
            failures.append(format_violations(path, found))
    context.close()
    assert not failures, "\n\n".join(failures)
