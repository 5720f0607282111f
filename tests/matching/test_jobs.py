"""お手伝い: small jobs are activities with an オカエシ, on a public board, applied to and
checked in like any activity, and their attendance writes local_activity to the ledger."""

import pytest

from enishi.activities import services
from enishi.activities.models import Activity
from enishi.ledger.models import Engagement
from tests.activities.factories import SessionFactory
from tests.activities.test_views import _form_data
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post

pytestmark = pytest.mark.django_db


def job(title, okaeshi=Activity.Okaeshi.PRODUCE, **kwargs):
    return SessionFactory(
        activity__title=title, activity__is_small_job=True, activity__okaeshi=okaeshi,
        activity__requester="山田農園", activity__okaeshi_note="新米2kg", **kwargs,
    )  # fmt: skip


def test_the_board_lists_small_jobs_only_and_filters_by_okaeshi(client, community):
    job("稲刈りの手伝い")
    job("祭りの設営", okaeshi=Activity.Okaeshi.MEAL)
    SessionFactory(activity__title="東京の交流会")
    html = client.get("/jobs/").content.decode()
    assert "稲刈りの手伝い" in html and "祭りの設営" in html and "東京の交流会" not in html
    assert "オカエシ：農産物・特産品" in html and "新米2kg" in html and "山田農園" in html
    assert "あと5人" in html
    meal = client.get("/jobs/", {"okaeshi": "meal"}).content.decode()
    assert "祭りの設営" in meal and "稲刈りの手伝い" not in meal
    bad = client.get("/jobs/", {"okaeshi": "gold"})
    assert bad.status_code == 200 and bad.context["form"].errors["okaeshi"]


def test_the_board_query_count_does_not_grow(client, community, django_assert_max_num_queries):
    def count():
        with django_assert_max_num_queries(10) as captured:
            assert client.get("/jobs/").status_code == 200
        return len(captured)

    job("草刈り")
    small = count()
    for i in range(25):
        job(f"空き家の片付け{i}")
    assert count() == small


def test_the_activity_page_shows_the_okaeshi(client, community):
    session = job("稲刈りの手伝い")
    html = client.get(f"/activities/{session.activity_id}/").content.decode()
    assert "オカエシ" in html and "農産物・特産品（新米2kg）" in html and "依頼者" in html


def test_staff_post_a_small_job_and_must_say_the_okaeshi(client, community):
    client.force_login(staff_user(community))
    data = _form_data(community, title="空き家の片付け", is_small_job="on", okaeshi="",
                      requester="上野地区の住民")  # fmt: skip
    response = post(client, "/staff/activities/new/", data)
    assert response.status_code == 200
    assert "お手伝いにはオカエシを選んでください" in response.content.decode()
    response = post(client, "/staff/activities/new/", {**data, "use": "knowledge",
                                                       "okaeshi": "voucher"})  # fmt: skip
    assert "お手伝いの関わり方は「地域活動への参加」を選んでください" in response.content.decode()
    assert not Activity.objects.exists()
    response = post(client, "/staff/activities/new/", {**data, "okaeshi": "voucher"})
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert (activity.is_small_job, activity.okaeshi, activity.requester) == (
        True, "voucher", "上野地区の住民")  # fmt: skip


def test_helpers_sign_up_and_attendance_writes_local_activity(community):
    session = job("稲刈りの手伝い")
    helper = MemberFactory()
    application = services.application_apply(session=session, member=helper)
    services.application_mark_attended(application=application, by=None)
    entry = Engagement.objects.get(member=helper, source_type="activity_session")
    assert entry.kind == "local_activity" and entry.source_id == session.pk
