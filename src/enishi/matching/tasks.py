"""Background work of the matching app, run by the task worker (`enishi db_worker`):
embedding takes ~20 ms a text on one core, too slow to do inside a request."""

from django.tasks import task


@task
def index_member(*, member_id: int) -> bool:
    from .services import member_profile_refresh

    return member_profile_refresh(member_id=member_id) is not None


@task
def index_activity(*, activity_id: int) -> bool:
    from .services import activity_profile_refresh

    return activity_profile_refresh(activity_id=activity_id) is not None
