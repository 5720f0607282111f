from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from enishi.api.api import api
from enishi.communities import views as community_views
from enishi.core import views as core_views
from enishi.insights import views as insight_views
from enishi.members import views as member_views

urlpatterns = [
    path("", community_views.home, name="home"),
    path("terms/", community_views.terms, name="terms"),
    path("privacy/", community_views.privacy_policy, name="privacy"),
    path("join/", member_views.join, name="join"),
    path("healthz", core_views.healthz, name="healthz"),
    path("postal/", member_views.postal_lookup, name="postal_query"),
    path("postal/<str:code>", member_views.postal_lookup, name="postal"),
    path("", include("enishi.members.urls")),
    path("", include("enishi.ledger.urls")),
    path("", include("enishi.activities.urls")),
    path("", include("enishi.privacy.urls")),
    path("", include("enishi.shops.urls")),
    path("", include("enishi.mailings.urls")),
    path("", include("enishi.promotion.urls")),
    path("", include("enishi.news.urls")),
    path("", include("enishi.donations.urls")),
    path("", include("enishi.residency.urls")),
    path("", include("enishi.api.urls")),
    path("api/v1/", api.urls),
    path("", include("enishi.matching.urls")),
    path("staff/", insight_views.staff_home, name="staff_home"),
    path("staff/insights/", include("enishi.insights.urls")),
    path("staff/", include("enishi.communities.urls")),
    # allauth's own sign-up page would skip the profile: everyone registers at /join/.
    path("accounts/signup/", RedirectView.as_view(pattern_name="join", query_string=True)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    # Uploaded report photos; in production nginx serves MEDIA_ROOT (docs/operations.md).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
