from enishi.ledger.models import PointsRule
from enishi.ledger.services import engagement_record
from tests.factories import MemberFactory, UserFactory


def test_superusers_edit_points_rules_and_read_the_ledger(client, community):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    rule = PointsRule.objects.get(community=community, kind="visit")
    response = client.post(
        f"/admin/ledger/pointsrule/{rule.pk}/change/",
        {"community": community.pk, "kind": "visit", "points": 7},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 7
    entry = engagement_record(member=MemberFactory(), kind="visit")
    assert entry.points == 7  # the rule is data: the next entry follows it
    page = client.get(f"/admin/ledger/engagement/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="points"' not in page.content.decode()
