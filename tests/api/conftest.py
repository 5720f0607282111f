import pytest

from enishi.activities import services as activity_services
from enishi.activities.models import Activity
from enishi.api.scopes import Scope
from enishi.api.services import token_issue
from enishi.communities.models import Organizer
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user


class Bearer:
    """A test client that sends a bearer token."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, data=None):
        return self.client.get(path, data, headers=self._headers())

    def post(self, path, body):
        return self.client.post(path, body, content_type="application/json",
                                headers=self._headers())  # fmt: skip


@pytest.fixture
def api_world(community):
    organizer_a = Organizer.objects.create(community=community, name="伊賀市 観光戦略課")
    organizer_b = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    session = SessionFactory(activity__organizer=organizer_a, activity__community=community,
                             activity__selection=Activity.Selection.SCREENING)  # fmt: skip
    member = MemberFactory(community=community)
    other = MemberFactory(community=community)
    application = activity_services.application_apply(session=session, member=member)
    admin = staff_user(community)
    organizer = staff_user(community, role="organizer", organizer=organizer_a)
    organizer_b_staff = staff_user(community, role="organizer", organizer=organizer_b)

    def token(user, *scopes, member=None):
        return token_issue(community=community, user=user, name="テスト",
                           scopes=list(scopes), member=member)[1]  # fmt: skip

    return {
        "community": community,
        "session": session,
        "activity": session.activity,
        "member": member,
        "other": other,
        "application": application,
        "admin": admin,
        "organizer": organizer,
        "organizer_b": organizer_b_staff,
        "token": token,
        "all_scopes": list(Scope),
    }
