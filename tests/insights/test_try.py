import pytest
from enishi.communities.models import StaffRole
from tests.factories import staff_user
from tests.insights.dataset import build

@pytest.mark.django_db
def test_try(client, community):
    build(community)
    client.force_login(staff_user(community))
    r = client.get("/staff/insights/?period=fiscal_year&fiscal_year=2024")
    assert r.status_code == 200, r.content[:3000]
    open("/tmp/dash.html","wb").write(r.content)
    for u in ["/staff/insights/csv/funnel.csv?fiscal_year=2024", "/staff/insights/report.xlsx?fiscal_year=2024", "/staff/insights/report.pdf?fiscal_year=2024", "/staff/insights/opendata.csv?fiscal_year=2024&minimum=1"]:
        r = client.get(u)
        assert r.status_code == 200, u
        body = b"".join(r.streaming_content) if r.streaming else r.content
        open("/tmp/out-" + u.split("/")[-1].split("?")[0], "wb").write(body)
