"""The dashboard's 潜在 figures and the donations section read contacts and donations."""

import csv
import io
from datetime import date, datetime

import pytest
from django.utils import timezone

from enishi.donations.models import Contact, Donation
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db
FY2025 = "?period=fiscal_year&fiscal_year=2025"


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.fixture
def figures(community):
    member = MemberFactory()
    for created, merged in [
        (at(2024, 6, 1), None),  # latent at both ends
        (at(2025, 5, 1), None),  # latent at the end of FY2025 only
        (at(2024, 7, 1), at(2025, 8, 1)),  # latent at the end of FY2024, then joined
        (at(2026, 4, 2), None),  # after FY2025
    ]:
        Contact.objects.create(community=community, name="x", source="donation",
                               created_at=created, merged_at=merged,
                               member=member if merged else None)  # fmt: skip
    for day, amount, match, linked in [
        (date(2025, 4, 10), 10000, "member", True), (date(2025, 12, 1), 5000, "contact", False),
        (date(2026, 1, 5), 3000, "review", False), (date(2024, 5, 1), 7000, "contact", False),
    ]:  # fmt: skip
        Donation.objects.create(community=community, identity=f"{day}", content_hash="h",
                                donated_on=day, amount=amount, match=match,
                                member=member if linked else None,
                                contact=Contact.objects.first() if match == "contact" else None)
    return member


def test_latent_contacts_in_the_headline_and_the_funnel(client, community, figures):
    client.force_login(staff_user(community))
    response = client.get("/staff/insights/csv/headline.csv" + FY2025)
    rows = list(csv.reader(io.StringIO(_body(response))))
    assert rows[2] == ["潜在（連絡先）", "2", "2", "0"]
    funnel = list(csv.reader(io.StringIO(_body(
        client.get("/staff/insights/csv/funnel.csv" + FY2025)))))  # fmt: skip
    assert funnel[1] == ["潜在", "2", "—", "2", "0"]


def test_donations_linked_and_unlinked(client, community, figures):
    client.force_login(staff_user(community))
    rows = list(csv.reader(io.StringIO(_body(
        client.get("/staff/insights/csv/donations.csv" + FY2025)))))  # fmt: skip
    assert rows[1] == ["寄附（件）", "3", "1", "2"]
    assert rows[2] == ["寄附（円）", "18000", "7000", "11000"]
    assert rows[3] == ["会員の寄附（件）", "1", "0", "1"]
    assert rows[4] == ["会員でない寄附者の寄附（件）", "1", "1", "0"]
    assert rows[5] == ["照合待ち（件）", "1", "0", "1"]
    page = client.get("/staff/insights/" + FY2025).content.decode()
    assert "ふるさと納税（この期間の寄附日）" in page
