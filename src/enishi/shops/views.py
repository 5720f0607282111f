"""Public and member pages: the shop list with its map, and a member scanning a spot poster."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from enishi.members.models import Member
from enishi.members.selectors import member_for_user
from enishi.members.views import not_member_page

from . import selectors, services
from .forms import ShopFilterForm


def _map_points(shops) -> list[dict]:
    return [
        {
            "name": shop.name,
            "lat": float(shop.latitude),
            "lng": float(shop.longitude),
            "anchor": f"shop-{shop.pk}",
        }
        for shop in shops
        if shop.has_position
    ]


def shop_list(request):
    """協力店: shops and their benefits, by category and area; a map when tiles are on."""
    form = ShopFilterForm(request.GET, areas=selectors.shop_areas(community=request.community))
    filters = form.cleaned_data if form.is_valid() else {}
    shops = list(
        selectors.public_shops(
            community=request.community,
            category=filters.get("category", ""),
            area=filters.get("area", ""),
        )
    )
    return render(
        request,
        "shops/list.html",
        {
            "form": form,
            "shops": shops,
            "map_points": _map_points(shops),
            "tile_url": settings.ENISHI_MAP_TILE_URL,
            "tile_attribution": settings.ENISHI_MAP_ATTRIBUTION,
            "filtered": bool(filters.get("category") or filters.get("area")),
        },
    )


def spot_visit(request, token: str):
    """Where a spot poster's QR code leads: a signed-in member's visit is recorded (once a
    day); anyone else signs in first and comes back here."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    spot = services.spot_from_token(token=token, community=request.community)
    if spot is None:
        return render(request, "shops/spot_visit.html", {"problem": "invalid"}, status=404)
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    if member.status != Member.Status.ACTIVE:
        return render(request, "shops/spot_visit.html",
                      {"spot": spot, "problem": "member_inactive"}, status=403)  # fmt: skip
    result = services.visit_record(spot=spot, member=member)
    status = 200 if result.outcome in ("recorded", "already") else 410
    return render(
        request,
        "shops/spot_visit.html",
        {"spot": spot, "result": result, "me_url": reverse("members:me")},
        status=status,
    )
