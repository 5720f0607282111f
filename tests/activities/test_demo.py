from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from enishi.activities.models import (
    Activity,
    ActivitySession,
    Application,
    ApplicationEvent,
    LotteryDraw,
)
from enishi.ledger.models import Engagement
from enishi.ledger.selectors import ATTENDANCE, member_standing
from enishi.members.demo import DEMO_MEMBER_EMAIL
from enishi.members.models import Member, Use
from tests.factories import CommunityFactory

Status = Application.Status


@pytest.fixture
def seeded(community):
    call_command("seed_demo", members=200)
    return community


def _ended(now) -> Q:
    return Q(anytime=False, ends_at__lt=now) | Q(anytime=True, activity__closes_at__lt=now)


def test_every_use_has_activities_past_and_upcoming(seeded):
    activities = Activity.objects.filter(community=seeded)
    assert set(activities.values_list("use", flat=True)) == set(Use.values)
    assert set(activities.values_list("selection", flat=True)) == set(Activity.Selection.values)
    now = timezone.now()
    sessions = ActivitySession.objects.filter(activity__community=seeded)
    assert sessions.filter(_ended(now)).exists()
    upcoming = sessions.filter(starts_at__gt=now, activity__status=Activity.Status.PUBLISHED)
    assert upcoming.filter(activity__closes_at__gt=now).exists()  # open for applications
    assert set(activities.values_list("place_kind", flat=True)) == set(Activity.PlaceKind.values)
    assert activities.filter(questions__isnull=False).exists()


def test_past_sessions_have_attendance_in_the_ledger(seeded):
    now = timezone.now()
    ended = ActivitySession.objects.filter(_ended(now), activity__community=seeded)
    with_attendance = 0
    for session in ended.annotate(n=Count("applications")).filter(n__gt=0):
        statuses = Counter(session.applications.values_list("status", flat=True))
        with_attendance += statuses[Status.ATTENDED] > 0
        # Nobody is left waiting for a decision, nor accepted without attended / no-show.
        assert not statuses[Status.ACCEPTED] and not statuses[Status.APPLIED], session
    assert with_attendance >= 0.9 * ended.count()
    attended = set(
        Application.objects.filter(session__activity__community=seeded, status=Status.ATTENDED)
        .values_list("member_id", "session_id")
    )  # fmt: skip
    entries = list(
        Engagement.objects.filter(community=seeded, source_type=ATTENDANCE).values_list(
            "member_id", "source_id"
        )
    )
    assert attended and len(entries) == len(set(entries))  # one per member and session
    assert set(entries) == attended
    assert Application.objects.filter(status=Status.NO_SHOW).exists()
    # Every active member who registered has their registration in the ledger too.
    registered = Member.objects.filter(community=seeded, joined_at__isnull=False).count()
    assert Engagement.objects.filter(source_type="registration").count() == registered


def test_applications_are_what_the_services_would_have_left(seeded):
    sessions = ActivitySession.objects.filter(activity__community=seeded, capacity__isnull=False)
    taken = sessions.annotate(
        taken=Count("applications", filter=Q(applications__status__in=Application.TAKING_PLACE))
    )
    for session in taken:
        assert session.taken <= session.capacity, session
    # The situations staff and members should see in the demo.
    now = timezone.now()
    live = Application.objects.filter(session__activity__community=seeded)
    assert live.filter(status=Status.WAITLISTED, session__starts_at__gt=now).exists()
    assert live.filter(
        status=Status.APPLIED, session__activity__selection=Activity.Selection.SCREENING
    ).exists()
    undrawn = live.filter(
        status=Status.APPLIED,
        session__activity__selection=Activity.Selection.LOTTERY,
        session__activity__closes_at__lt=now,
        session__draws__isnull=True,
    )
    assert undrawn.exists()
    assert LotteryDraw.objects.filter(session__activity__community=seeded).exists()
    # Each application's recorded steps end in its status, starting from "applied".
    for application in live.prefetch_related("events"):
        steps = list(application.events.all())
        assert steps[0].from_status == "" and steps[0].to_status == Status.APPLIED
        assert steps[-1].to_status == application.status
    answered = live.exclude(answers=[]).first()
    assert answered.answers[0]["question_id"] in set(
        answered.session.activity.questions.values_list("pk", flat=True)
    )


def test_the_demo_member_has_a_history_and_something_to_look_forward_to(seeded, client):
    member = Member.objects.get(community=seeded, user__email=DEMO_MEMBER_EMAIL)
    standing = member_standing(member=member)
    first_rank = seeded.ranks.order_by("min_points").first()
    assert standing.rank is not None and standing.rank.min_points > first_rank.min_points
    attended = member.engagements.filter(source_type=ATTENDANCE)
    assert attended.count() >= 3
    assert all(entry.occurred_at > member.joined_at for entry in attended)
    upcoming = member.applications.filter(
        status=Status.ACCEPTED, session__starts_at__gt=timezone.now()
    )
    assert upcoming.count() == 1
    client.force_login(member.user)
    page = client.get("/me/").content.decode()
    assert standing.rank.name in page and "田植え体験" in page


def test_seed_demo_adds_no_activities_again_and_is_deterministic(seeded):
    def counts():
        return [
            model.objects.count()
            for model in (Member, Activity, ActivitySession, Application, ApplicationEvent,
                          LotteryDraw, Engagement)
        ]  # fmt: skip

    before = counts()
    call_command("seed_demo", members=200)
    assert counts() == before

    def shape(community):
        return [
            (a.title, a.status, a.selection, a.use,
             sorted(Counter(s.status for s in Application.objects.filter(session__activity=a))
                    .items()))
            for a in Activity.objects.filter(community=community).order_by("pk")
        ]  # fmt: skip

    other = CommunityFactory(member_number_prefix="NAB")
    call_command("seed_demo", members=200, community=other.slug)
    assert shape(other) == shape(seeded)


def test_seed_demo_takes_the_number_of_activities(community, capsys):
    call_command("seed_demo", members=30, activities=25)
    assert Activity.objects.filter(community=community).count() == 25
    assert "活動 25 件" in capsys.readouterr().out
