"""/api/v1/: the OpenAPI document, public activities, member tokens, every staff scope,
problem+json errors, rate limits, pagination and hashed tokens."""

import hashlib
import json

import pytest

from enishi.api.models import ApiToken
from enishi.api.scopes import Scope
from enishi.api.services import token_revoke
from enishi.communities.models import StaffRole
from enishi.ledger.models import Engagement
from enishi.members.services import member_withdraw
from enishi.privacy.models import AuditEvent
from tests.activities.factories import SessionFactory
from tests.factories import CommunityFactory, MemberFactory

from .conftest import Bearer

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"]
    return body


def test_the_openapi_document_describes_every_operation_and_problem_errors(client, api_world):
    document = client.get(f"{API}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in ("/activities", "/activities/{activity_id}", "/me", "/me/ledger", "/members",
                 "/members/{member_id}", "/applications", "/applications/{application_id}",
                 "/applications/{application_id}/transition", "/engagements",
                 "/donations"):  # fmt: skip
        assert f"{API}{path}" in paths
    responses = paths[f"{API}/members"]["get"]["responses"]
    assert list(responses["403"]["content"]) == ["application/problem+json"]
    assert "BearerAuth" in json.dumps(document["components"]["securitySchemes"]) or \
        document["components"]["securitySchemes"]


def test_activities_are_public_and_paginated(client, api_world):
    for _i in range(3):
        SessionFactory()
    response = client.get(f"{API}/activities", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 and len(body["items"]) == 2
    second = client.get(f"{API}/activities", {"page_size": 2, "page": 2}).json()
    assert {a["id"] for a in body["items"]}.isdisjoint({a["id"] for a in second["items"]})
    activity = client.get(f"{API}/activities/{api_world['activity'].pk}").json()
    assert activity["title"] == api_world["activity"].title
    assert activity["organizer"] == "伊賀市 観光戦略課"
    assert activity["sessions"][0]["id"] == api_world["session"].pk


def test_an_unknown_activity_is_a_problem_404(client, api_world):
    _problem(client.get(f"{API}/activities/999999"), 404)
    body = _problem(client.get(f"{API}/activities", {"page": "0"}), 422)
    assert body["errors"][0]["loc"][-1] == "page"


def test_the_activity_list_runs_the_same_queries_for_more_activities(
    client, api_world, django_assert_max_num_queries
):
    client.get(f"{API}/activities")
    with django_assert_max_num_queries(10) as small:
        client.get(f"{API}/activities")
    for _i in range(10):
        SessionFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"{API}/activities").json()["count"] == 11


def test_a_member_token_reads_its_own_profile_and_ledger(client, api_world):
    member = api_world["member"]
    token = api_world["token"](member.user, member=member)
    api = Bearer(client, token)
    me = api.get(f"{API}/me").json()
    assert me["number"] == member.number and me["email"] == member.user.email
    assert me["premium"]["registration_type"] == "basic"
    assert me["premium"]["required_activities"] == 3
    Engagement.objects.create(community=member.community, member=member, kind="visit",
                              points=5, occurred_at=member.joined_at)  # fmt: skip
    ledger = api.get(f"{API}/me/ledger").json()
    assert ledger["count"] == 1 and ledger["items"][0]["kind"] == "visit"
    _problem(api.get(f"{API}/members"), 403)  # a member token is not a staff token


def test_no_token_a_wrong_one_or_a_revoked_one_is_a_401(client, api_world):
    _problem(client.get(f"{API}/me"), 401)
    assert client.get(f"{API}/me")["WWW-Authenticate"].startswith("Bearer")
    _problem(Bearer(client, "enishi_not-a-token").get(f"{API}/members"), 401)
    token = api_world["token"](api_world["admin"], *Scope)
    token_revoke(token=ApiToken.objects.get(), by=api_world["admin"])
    _problem(Bearer(client, token).get(f"{API}/members"), 401)


def test_a_token_works_only_in_its_own_community(client, api_world, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other = CommunityFactory()
    token = api_world["token"](api_world["admin"], *Scope)
    response = Bearer(client, token).client.get(
        f"{API}/members", headers={"Authorization": f"Bearer {token}"}, HTTP_HOST=other.domain
    )
    _problem(response, 401)


def test_tokens_are_hashed_at_rest(api_world):
    token = api_world["token"](api_world["admin"], Scope.MEMBERS_READ)
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.startswith(row.prefix) and len(row.prefix) < 16


# One test per scope: without it 403, with it through; and the owner's role must still allow it.

SCOPED = [
    (Scope.MEMBERS_READ, "get", "/members", None),
    (Scope.MEMBERS_READ, "get", "/members/{member}", None),
    (Scope.APPLICATIONS_READ, "get", "/applications", None),
    (Scope.APPLICATIONS_READ, "get", "/applications/{application}", None),
    (Scope.APPLICATIONS_WRITE, "post", "/applications/{application}/transition",
     {"action": "accept"}),
    (Scope.ENGAGEMENTS_WRITE, "post", "/engagements",
     {"member_number": "{number}", "kind": "visit", "source": "eventapp", "source_id": 1}),
    (Scope.DONATIONS_WRITE, "post", "/donations",
     {"portal": "ふるさとチョイス", "receipt_number": "FC-1", "donated_on": "2026-04-01",
      "amount": 10000, "name": "伊賀 太郎"}),
]  # fmt: skip


def _call(api, method, path, body, world):
    ids = {"member": world["member"].pk, "application": world["application"].pk,
           "number": world["member"].number}  # fmt: skip
    path = API + path.format(**ids)
    if method == "get":
        return api.get(path)
    return api.post(path, json.dumps({k: str(v).format(**ids) if isinstance(v, str) else v
                                      for k, v in body.items()}))  # fmt: skip


@pytest.mark.parametrize(("scope", "method", "path", "body"), SCOPED,
                         ids=[f"{s[0]} {s[1]} {s[2]}" for s in SCOPED])  # fmt: skip
def test_every_scope_is_needed_and_enough(client, api_world, scope, method, path, body):
    admin = api_world["admin"]
    others = [s for s in Scope if s != scope]
    without = Bearer(client, api_world["token"](admin, *others))
    _problem(_call(without, method, path, body, api_world), 403)
    member_token = Bearer(client, api_world["token"](api_world["member"].user,
                                                     member=api_world["member"]))  # fmt: skip
    _problem(_call(member_token, method, path, body, api_world), 403)
    with_scope = Bearer(client, api_world["token"](admin, scope))
    assert _call(with_scope, method, path, body, api_world).status_code in (200, 201)


@pytest.mark.parametrize("scope", list(Scope))
def test_a_scope_stops_working_when_the_role_no_longer_allows_it(client, api_world, scope):
    admin = api_world["admin"]
    api = Bearer(client, api_world["token"](admin, scope))
    StaffRole.objects.filter(user=admin).update(role=StaffRole.Role.VIEWER)
    method, path, body = next((m, p, b) for s, m, p, b in SCOPED if s == scope)
    _problem(_call(api, method, path, body, api_world), 403)


def test_an_organizers_token_sees_only_their_applicants_and_applications(client, api_world):
    mine = Bearer(client, api_world["token"](api_world["organizer"], Scope.MEMBERS_READ,
                                             Scope.APPLICATIONS_READ))  # fmt: skip
    numbers = [m["number"] for m in mine.get(f"{API}/members").json()["items"]]
    assert numbers == [api_world["member"].number]
    _problem(mine.get(f"{API}/members/{api_world['other'].pk}"), 404)
    assert mine.get(f"{API}/applications").json()["count"] == 1
    theirs = Bearer(client, api_world["token"](api_world["organizer_b"], Scope.MEMBERS_READ,
                                               Scope.APPLICATIONS_READ))  # fmt: skip
    assert theirs.get(f"{API}/members").json()["count"] == 0
    _problem(theirs.get(f"{API}/applications/{api_world['application'].pk}"), 404)


def test_member_reads_are_audited(client, api_world):
    api = Bearer(client, api_world["token"](api_world["admin"], Scope.MEMBERS_READ))
    api.get(f"{API}/members", {"q": "伊賀"})
    api.get(f"{API}/members/{api_world['member'].pk}")
    events = AuditEvent.objects.filter(action=AuditEvent.Action.API_READ).order_by("sequence")
    assert [(e.detail["endpoint"], e.row_count) for e in events] == [("members", 2), ("member", 1)]
    assert events[0].detail["searched"] is True
    assert events[1].member == api_world["member"] and events[1].actor == api_world["admin"]


def test_transitions_follow_the_state_machine(client, api_world):
    api = Bearer(client, api_world["token"](api_world["admin"], Scope.APPLICATIONS_WRITE))
    path = f"{API}/applications/{api_world['application'].pk}/transition"
    response = api.post(path, json.dumps({"action": "accept", "message": "お待ちしています"}))
    assert response.json()["status"] == "accepted"
    body = _problem(api.post(path, json.dumps({"action": "waitlist"})), 409)
    assert body["detail"]
    assert api.post(path, json.dumps({"action": "attended"})).json()["status"] == "attended"
    assert api_world["member"].engagements.filter(source_type="activity_session").count() == 1
    _problem(api.post(path, json.dumps({"action": "explode"})), 422)


def test_engagements_from_another_system_are_recorded_once(client, api_world):
    api = Bearer(client, api_world["token"](api_world["admin"], Scope.ENGAGEMENTS_WRITE))
    member = api_world["member"]
    body = {"member_number": member.number.lower(), "kind": "visit", "source": "eventapp",
            "source_id": 4711, "occurred_at": "2026-11-03T10:00:00+09:00", "note": "受付"}
    first = api.post(f"{API}/engagements", json.dumps(body))
    assert first.status_code == 201 and first.json()["created"] is True
    again = api.post(f"{API}/engagements", json.dumps(body))
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["engagement"]["id"] == first.json()["engagement"]["id"]
    entry = member.engagements.get(source_type="api:eventapp")
    assert entry.source_id == 4711 and entry.created_by == api_world["admin"]
    _problem(api.post(f"{API}/engagements", json.dumps({**body, "member_number": "NOPE"})), 404)
    late = {**body, "occurred_at": "1999-12-31T00:00:00+09:00"}
    _problem(api.post(f"{API}/engagements", json.dumps(late)), 422)
    naive = {**body, "source_id": 4712, "occurred_at": "2026-11-03T10:00:00"}
    _problem(api.post(f"{API}/engagements", json.dumps(naive)), 422)


def test_rate_limits_answer_429_with_retry_after(client, api_world, settings):
    settings.ENISHI_API_RATE_TOKEN = "2/m"
    settings.ENISHI_API_RATE_ANONYMOUS = "1/m"
    api = Bearer(client, api_world["token"](api_world["admin"], Scope.MEMBERS_READ))
    assert api.get(f"{API}/members").status_code == 200
    assert api.get(f"{API}/members").status_code == 200
    response = api.get(f"{API}/members")
    _problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert client.get(f"{API}/activities").status_code == 200
    _problem(client.get(f"{API}/activities"), 429)


def test_withdrawal_revokes_the_members_token(client, api_world):
    member = MemberFactory(community=api_world["community"])
    api = Bearer(client, api_world["token"](member.user, member=member))
    assert api.get(f"{API}/me").status_code == 200
    member_withdraw(member=member)
    assert ApiToken.objects.get(member=member).revoked_at is not None
    _problem(api.get(f"{API}/me"), 401)


def test_donations_from_a_portal_are_matched_recorded_once_and_read_like_a_file(
    client, api_world
):
    member = api_world["member"]
    api = Bearer(client, api_world["token"](api_world["admin"], Scope.DONATIONS_WRITE))
    body = {
        "portal": "ふるさとチョイス", "receipt_number": "FC-２０２６-０１",
        "donated_on": "2026-05-03", "amount": 30000,
        "name": f"{member.family_name}　{member.given_name}",
        "name_kana": f"{member.family_name_kana} {member.given_name_kana}",
        "postal_code": member.postal_code, "email": member.user.email, "gift": "伊賀牛",
        "wants_information": True,
    }  # fmt: skip
    first = api.post(f"{API}/donations", json.dumps(body))
    assert first.status_code == 201
    donation = first.json()["donation"]
    assert (donation["match"], donation["member_number"]) == ("member", member.number)
    assert donation["receipt_number"] == "FC-2026-01"  # 全角 digits read as in a file
    again = api.post(f"{API}/donations", json.dumps({**body, "amount": 30000}))
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["donation"]["id"] == donation["id"]
    assert member.donations.count() == 1
    assert member.engagements.filter(kind="donation").count() == 1  # the ledger, once

    stranger = {**body, "receipt_number": "FC-2", "name": "甲賀 花子", "name_kana": "コウカ ハナコ",
                "email": "hanako@example.jp", "postal_code": "5200000"}  # fmt: skip
    created = api.post(f"{API}/donations", json.dumps(stranger)).json()["donation"]
    assert (created["match"], created["member_number"]) == ("contact", None)
    from enishi.donations.models import Contact

    contact = Contact.objects.get(email="hanako@example.jp")
    assert contact.info_consent == "yes"

    future = {**body, "receipt_number": "FC-3", "donated_on": "2099-01-01"}
    assert "未来" in _problem(api.post(f"{API}/donations", json.dumps(future)), 422)["detail"]
    _problem(api.post(f"{API}/donations", json.dumps({**body, "amount": 0})), 422)
