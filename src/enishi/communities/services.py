"""Writes to a community's configuration."""

from django.db import transaction

from .models import Community, Tag


@transaction.atomic
def tags_save(*, community: Community, kind: str, tags: list[Tag]) -> None:
    """Save new and edited words of one list (topics or skills) of a community."""
    for tag in tags:
        tag.community = community
        tag.kind = kind
        tag.save()
