"""/api/v1/: one NinjaAPI with a router per area. Adding an area (e.g. donations) is a router
module in routers/, a Scope with its Perm in scopes.py, and one `add_router` line here."""

from ninja import NinjaAPI

from . import problems
from .auth import AnonThrottle, TokenThrottle
from .routers import activities, applications, donations, engagements, me, members


class EnishiAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return problems.problem_json_in_schema(schema)


api = EnishiAPI(
    title="enishi API",
    version="1",
    description=(
        "Activities (public), a member's own profile and ledger (member token), members, "
        "applications, engagements and donations (staff tokens with scopes). Errors are RFC 9457 "
        "problem details. Tokens: Authorization: Bearer <token>."
    ),
    urls_namespace="api",
    docs_url=None,
    throttle=[AnonThrottle(), TokenThrottle()],
)
problems.install(api)
api.add_router("", activities.router)
api.add_router("", me.router)
api.add_router("", members.router)
api.add_router("", applications.router)
api.add_router("", engagements.router)
api.add_router("", donations.router)
