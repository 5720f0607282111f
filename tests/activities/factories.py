from datetime import timedelta

import factory
from django.utils import timezone

from enishi.activities.models import Activity, ActivitySession, ApplicationQuestion
from enishi.communities.models import Community, Organizer


def _iga() -> Community:
    return Community.objects.get(slug="iga")


class ActivityFactory(factory.django.DjangoModelFactory):
    """A published first-come activity in Iga whose window is open now."""

    class Meta:
        model = Activity

    community = factory.LazyFunction(_iga)
    organizer = factory.LazyAttribute(
        lambda a: (
            a.community.organizers.order_by("pk").first()
            or Organizer.objects.create(community=a.community, name="地域の会")
        )
    )
    title = factory.Sequence(lambda n: f"田植え体験 {n}")
    body = "伊賀の田んぼで田植えをします。"
    use = "local_activity"
    place_kind = Activity.PlaceKind.IGA
    place_name = "伊賀市役所"
    address = "三重県伊賀市四十九町3184"
    selection = Activity.Selection.FIRST_COME
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    status = Activity.Status.PUBLISHED


class SessionFactory(factory.django.DjangoModelFactory):
    """A session ten days from now, five places, with a waiting list."""

    class Meta:
        model = ActivitySession

    activity = factory.SubFactory(ActivityFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    ends_at = factory.LazyAttribute(
        lambda s: s.starts_at + timedelta(hours=3) if s.starts_at else None
    )
    capacity = 5
    waitlist = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationQuestion

    activity = factory.SubFactory(ActivityFactory)
    text = factory.Sequence(lambda n: f"質問{n}")
    kind = ApplicationQuestion.Kind.TEXT
    required = False
    position = factory.Sequence(lambda n: n)
