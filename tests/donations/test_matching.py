"""Matching donors to members and contacts; the review queue; ledger entries."""

import pytest

from enishi.donations.importer import DonationImporter
from enishi.donations.models import Contact, Donation, MatchReview
from enishi.donations.services import contact_merge, review_decide
from enishi.ledger.models import Engagement, Kind, PointsRule
from tests.factories import MemberFactory, UserFactory, staff_user

from .conftest import import_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _points(community):
    PointsRule.objects.update_or_create(community=community, kind=Kind.DONATION,
                                        defaults={"points": 15})  # fmt: skip


def member(**kwargs):
    return MemberFactory(**kwargs)


def test_exact_email_links_the_member_and_writes_one_ledger_entry_per_donation(community):
    taro = member(user=UserFactory(email="Taro@Example.jp"), family_name="別名",
                  given_name="太郎", postal_code="1000001")  # fmt: skip
    import_file(community, "generic_utf8_bom.csv")
    first = Donation.objects.get(receipt_number="A-0001")
    assert first.member == taro and first.match == Donation.Match.MEMBER
    entries = Engagement.objects.filter(member=taro, kind=Kind.DONATION)
    assert [(e.source_type, e.source_id, e.points) for e in entries] == [
        ("donation", first.pk, 15)
    ]  # per donation, not per yen (¥10,000)
    # Importing again writes nothing more.
    import_file(community, "generic_utf8.csv")
    assert Engagement.objects.filter(member=taro, kind=Kind.DONATION).count() == 1


def test_name_kana_and_postal_code_match_through_variant_kanji(community):
    ichiro = member(family_name="高橋", given_name="一郎", family_name_kana="タカハシ",
                    given_name_kana="イチロウ", postal_code="5140001")  # fmt: skip
    import_file(community, "portal_sjis.csv")  # 髙橋 一郎, 514-0001
    assert Donation.objects.get(receipt_number="R-100").member == ichiro


def test_name_and_address_match(community):
    hanako = member(family_name="上野", given_name="花子", family_name_kana="ベツ",
                    given_name_kana="ヨミ", postal_code="1600023", city="新宿区",
                    address_line="西新宿2-8-1")  # fmt: skip
    import_file(community, "generic_utf8_bom.csv")  # 東京都新宿区西新宿二丁目8番1号
    assert Donation.objects.get(receipt_number="A-0002").member == hanako


def test_the_same_new_donor_spelled_two_ways_becomes_one_contact(community):
    import_file(community, "variant_kanji.csv")  # 髙橋 﨑子 and 高橋 崎子, ﾀｶﾊｼ ｻｷｺ
    contact = Contact.objects.get()
    assert contact.donations.count() == 2
    assert contact.name == "髙橋 﨑子" and contact.info_consent == "yes"
    assert not MatchReview.objects.exists()


def test_a_weak_match_waits_for_staff_and_links_nothing(community):
    # Same postal code and kana, another name: perhaps a relative, perhaps a typo.
    other = member(family_name="伊賀", given_name="太朗", family_name_kana="イガ",
                   given_name_kana="タロウ", postal_code="5180873")  # fmt: skip
    import_file(community, "generic_utf8_bom.csv")
    donation = Donation.objects.get(receipt_number="A-0001")
    assert donation.match == Donation.Match.REVIEW
    assert donation.member is None and donation.contact is None
    review = MatchReview.objects.get(donation=donation)
    assert review.candidates == [{"kind": "member", "id": other.pk, "reason": "weak"}]
    assert not Engagement.objects.filter(member=other, kind=Kind.DONATION).exists()

    staff = staff_user(community)
    review_decide(review=review, choice=f"member:{other.pk}", by=staff)
    donation.refresh_from_db()
    assert donation.member == other and donation.match == Donation.Match.MEMBER
    assert Engagement.objects.filter(member=other, kind=Kind.DONATION).count() == 1
    review.refresh_from_db()
    assert review.status == MatchReview.Status.CONFIRMED and review.decided_by == staff


def test_rejecting_a_candidate_makes_a_new_contact(community):
    member(family_name="伊賀", given_name="太朗", family_name_kana="イガ",
           given_name_kana="タロウ", postal_code="5180873")  # fmt: skip
    import_file(community, "generic_utf8_bom.csv")
    review = MatchReview.objects.get()
    review_decide(review=review, choice="new", by=staff_user(community))
    donation = review.donation
    donation.refresh_from_db()
    assert donation.contact.name == "伊賀 太郎" and donation.member is None


def test_only_a_candidate_can_be_chosen(community):
    member(family_name="伊賀", given_name="太朗", family_name_kana="イガ",
           given_name_kana="タロウ", postal_code="5180873")  # fmt: skip
    import_file(community, "generic_utf8_bom.csv")
    outsider = member()
    with pytest.raises(ValueError):
        review_decide(review=MatchReview.objects.get(), choice=f"member:{outsider.pk}", by=None)
    assert not Donation.objects.filter(member=outsider).exists()


def test_several_members_with_the_same_email_go_to_review(community):
    user = UserFactory(email="hanako@example.jp")
    a = member(user=user)
    b = member(user=UserFactory(email="HANAKO@example.jp"))
    import_file(community, "generic_utf8_bom.csv")
    review = MatchReview.objects.get(donation__receipt_number="A-0002")
    assert {c["id"] for c in review.candidates} == {a.pk, b.pk}


def test_a_contact_from_an_earlier_batch_is_found_again(community):
    importer = DonationImporter()
    importer.batch_size = 1  # the second row is matched against the database
    import_file(community, "variant_kanji.csv", importer=importer)
    assert Contact.objects.get().donations.count() == 2


def test_merging_a_contact_gives_its_donations_to_the_member(community):
    import_file(community, "variant_kanji.csv")
    contact = Contact.objects.get()
    sakiko = member(family_name="高橋", given_name="崎子")
    contact_merge(contact=contact, member=sakiko)
    assert Donation.objects.filter(member=sakiko).count() == 2
    assert Engagement.objects.filter(member=sakiko, kind=Kind.DONATION).count() == 2
    contact.refresh_from_db()
    assert contact.member == sakiko and contact.name == "" and contact.address == ""
    # A later donation by the same person now goes to the member.
    assert contact_merge(contact=contact, member=sakiko).merged_at is not None


def test_withdrawal_erases_the_donor_details_of_the_members_donations(community):
    from enishi.members.services import member_withdraw

    taro = member(user=UserFactory(email="taro@example.jp"))
    import_file(community, "generic_utf8_bom.csv")
    member_withdraw(member=taro)
    donation = Donation.objects.get(receipt_number="A-0001")
    assert (donation.name, donation.address, donation.email) == ("", "", "")
    assert donation.amount == 10000 and donation.member == taro
