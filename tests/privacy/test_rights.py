"""APPI rights: the data download holds everything about the person, and withdrawal leaves no
personal field anywhere in the database."""

import json

import pytest
from django.apps import apps
from django.utils import timezone

from enishi.activities import services as activity_services
from enishi.activities.models import ApplicationQuestion
from enishi.mailings import services as mailing_services
from enishi.mailings.models import Delivery, Mailing, MailTopic
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent
from tests.activities.factories import QuestionFactory, SessionFactory
from tests.members.helpers import post, register_and_verify

pytestmark = pytest.mark.django_db

# Values nobody else in the test database has: if any survives withdrawal, it is found.
PERSON = {
    "email": "nue.toranosuke@example.jp",
    "family_name": "鬼瓦",
    "given_name": "虎之助",
    "family_name_kana": "おにがわら",
    "given_name_kana": "とらのすけ",
    "nickname": "ぬえ丸",
    "phone": "090-8765-4321",
    "postal_code": "518-0873",
    "prefecture_code": "24",
    "city": "伊賀市",
    "address_line": "百地砦九番地",
    "ties": ["family", "other"],
    "tie_other": "祖父が組紐職人でした",
    "skills_text": "秘伝の組紐術を教えられます",
}
TRACES = [
    "nue.toranosuke", "鬼瓦", "虎之助", "オニガワラ", "トラノスケ", "ぬえ丸",
    "8765", "百地砦", "組紐職人", "秘伝の組紐術", "蕎麦アレルギー",
]  # fmt: skip


@pytest.fixture
def person(client, community):
    register_and_verify(client, **PERSON)
    member = Member.objects.get(user__email=PERSON["email"])
    session = SessionFactory()
    question = QuestionFactory(
        activity=session.activity, text="食物アレルギー", kind=ApplicationQuestion.Kind.TEXT
    )
    post(client, f"/activities/{session.activity_id}/apply/",
         {"session": session.pk, f"q_{question.pk}": "蕎麦アレルギー"})  # fmt: skip
    application = member.applications.get()
    activity_services.application_mark_attended(application=application, by=None)
    # A newsletter that reached them, and one still waiting in the queue.
    topic = MailTopic.objects.get(community=community, name="会報")
    for subject in ("伊賀衆だより 秋号", "伊賀衆だより 冬号"):
        mailing = Mailing.objects.create(community=community, topic=topic, subject=subject,
                                         body="{nickname}さん")  # fmt: skip
        mailing_services.mailing_queue(mailing=mailing, members=Member.objects.filter(pk=member.pk))
    Delivery.objects.filter(mailing__subject="伊賀衆だより 秋号").update(
        status=Delivery.Status.SENT, sent_at=timezone.now()
    )
    return member


def test_the_download_holds_profile_consents_applications_and_ledger(client, person):
    data = client.get("/me/data.json").json()
    assert data["family_name"] == "鬼瓦" and data["email"] == PERSON["email"]
    assert {c["purpose"] for c in data["consents"]} >= {"利用規約", "プライバシーポリシー"}
    [application] = data["applications"]
    assert application["answers"] == [{"question": "食物アレルギー", "answer": "蕎麦アレルギー"}]
    kinds = [e["kind"] for e in data["engagements"]]
    assert len(kinds) == 2 and sum(e["points"] for e in data["engagements"]) > 0
    assert data["redemptions"] == [] and data["visits"] == []
    assert [(m["subject"], m["status"]) for m in data["mail"]] == [
        ("伊賀衆だより 秋号", "送信済み"), ("伊賀衆だより 冬号", "送信待ち"),
    ]
    csv = client.get("/me/data.csv").content.decode("utf-8-sig")
    assert "活動・ポイントの記録" in csv and "鬼瓦" in csv


def every_stored_value() -> str:
    """Every row of every table the models know, as one string."""
    chunks = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*fields):
            chunks.append(json.dumps(row, ensure_ascii=False, default=str))
    return "\n".join(chunks)


def test_withdrawal_leaves_no_personal_field_anywhere(client, person):
    stored = every_stored_value()
    assert all(trace in stored for trace in TRACES), "each trace is there before"
    response = post(client, "/me/withdraw/", {"confirm": "on"})
    assert "members/withdrawn.html" in {t.name for t in response.templates}
    stored = every_stored_value()
    survivors = [trace for trace in TRACES if trace in stored]
    assert survivors == []
    # Statistics stay: the membership row (withdrawn), its prefecture and its ledger.
    person.refresh_from_db()
    assert person.status == "withdrawn" and person.prefecture_code == "24"
    assert person.engagements.count() == 2
    statuses = dict(Delivery.objects.values_list("mailing__subject", "status"))
    assert statuses == {"伊賀衆だより 秋号": "sent", "伊賀衆だより 冬号": "skipped"}
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBER_ERASE)
    assert event.member == person and event.detail["reason"] == "withdrawal"


def test_the_download_holds_shop_redemptions_and_spot_visits(client, person):
    from enishi.shops import services as shop_services
    from tests.shops.factories import BenefitFactory, SpotFactory, clerk

    benefit = BenefitFactory(shop__name="かたやき庵", title="かたやき1枚")
    shop_services.redemption_record(shop=benefit.shop, benefit_id=benefit.pk, member=person,
                                    by=clerk(benefit.shop))  # fmt: skip
    shop_services.visit_record(spot=SpotFactory(name="伊賀上野城"), member=person)
    data = client.get("/me/data.json").json()
    redeemed = [(r["shop"], r["benefit"]) for r in data["redemptions"]]
    assert redeemed == [("かたやき庵", "かたやき1枚")]
    assert [v["spot"] for v in data["visits"]] == ["伊賀上野城"]
