"""Staff pages (/staff/shops/…): partner shops, their benefits and counter staff, visit spots
and their posters, usage rewards and who has reached them."""

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, has_perm, staff_required
from enishi.core.models import User
from enishi.core.requests import client_ip

from . import services
from .forms import BenefitForm, ClerkForm, RewardForm, ShopForm, SpotForm
from .models import Benefit, PartnerShop, RewardAchievement, ShopStaff, UsageReward, VisitSpot
from .posters import spot_poster_pdf


def _form_page(request, form, *, title, back: str):
    return render(
        request,
        "shops/staff/form.html",
        {"form": form, "title": title, "back_url": back, "back_label": _("戻る")},
        status=400 if form.errors else 200,
    )


def _shops(request):
    return PartnerShop.objects.filter(community=request.community)


@staff_required(Perm.SHOPS_MANAGE)
def shop_list(request):
    shops = _shops(request).annotate(
        n_benefits=Count("benefits", distinct=True), n_staff=Count("staff", distinct=True)
    )
    return render(request, "shops/staff/shop_list.html", {"shops": shops})


def _shop_form(request, shop: PartnerShop | None):
    form = ShopForm(
        request.POST or None, request.FILES or None, instance=shop, community=request.community
    )
    if request.method == "POST" and form.is_valid():
        shop = form.save()
        messages.success(request, _("協力店を保存しました。"))
        return redirect("shops:staff_shop", pk=shop.pk)
    return _form_page(
        request,
        form,
        title=_("協力店の編集") if shop else _("協力店を登録する"),
        back=reverse("shops:staff_shop", args=[shop.pk]) if shop else reverse("shops:staff_shops"),
    )


@staff_required(Perm.SHOPS_MANAGE)
def shop_create(request):
    return _shop_form(request, None)


@staff_required(Perm.SHOPS_MANAGE)
def shop_edit(request, pk: int):
    return _shop_form(request, get_object_or_404(_shops(request), pk=pk))


@staff_required(Perm.SHOPS_MANAGE)
def shop_detail(request, pk: int):
    return _shop_detail_page(request, get_object_or_404(_shops(request), pk=pk), ClerkForm())


def _shop_detail_page(request, shop: PartnerShop, clerk_form: ClerkForm, status: int = 200):
    return render(
        request,
        "shops/staff/shop_detail.html",
        {
            "shop": shop,
            "benefits": shop.benefits.select_related("min_rank").annotate(
                n_redemptions=Count("redemptions")
            ),
            "clerks": ShopStaff.objects.filter(shop=shop).select_related("user"),
            "spots": shop.spots.all(),
            "clerk_form": clerk_form,
        },
        status=status,
    )


def _benefit_form(request, shop: PartnerShop, benefit: Benefit | None):
    form = BenefitForm(request.POST or None, instance=benefit, shop=shop)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("特典を保存しました。"))
        return redirect("shops:staff_shop", pk=shop.pk)
    title = _("特典の編集") if benefit else _("特典を追加する")
    return _form_page(request, form, title=f"{shop.name}：{title}",
                      back=reverse("shops:staff_shop", args=[shop.pk]))  # fmt: skip


@staff_required(Perm.SHOPS_MANAGE)
def benefit_create(request, pk: int):
    return _benefit_form(request, get_object_or_404(_shops(request), pk=pk), None)


@staff_required(Perm.SHOPS_MANAGE)
def benefit_edit(request, pk: int):
    benefit = get_object_or_404(
        Benefit.objects.select_related("shop__community"), pk=pk, community=request.community
    )
    return _benefit_form(request, benefit.shop, benefit)


@staff_required(Perm.SHOPS_MANAGE)
@require_POST
def clerk_add(request, pk: int):
    shop = get_object_or_404(_shops(request), pk=pk)
    form = ClerkForm(request.POST)
    if form.is_valid():
        try:
            services.shop_clerk_add(shop=shop, email=form.cleaned_data["email"],
                                    by=request.user, ip_address=client_ip(request))  # fmt: skip
        except ValueError:
            message = _("このアドレスのログインには、すでに別の職員の役割があります。")
            form.add_error("email", message)
        else:
            messages.success(
                request, _("店舗スタッフを登録しました。ログイン後は /shop/ を開きます。")
            )
            return redirect("shops:staff_shop", pk=shop.pk)
    # The page again with the address as typed and the reason beside it.
    return _shop_detail_page(request, shop, form, status=400)


@staff_required(Perm.SHOPS_MANAGE)
@require_POST
def clerk_remove(request, pk: int, user_pk: int):
    shop = get_object_or_404(_shops(request), pk=pk)
    services.shop_clerk_remove(shop=shop, user=get_object_or_404(User, pk=user_pk),
                               by=request.user, ip_address=client_ip(request))  # fmt: skip
    messages.success(request, _("店舗スタッフの登録を外しました。"))
    return redirect("shops:staff_shop", pk=shop.pk)


# ---------------------------------------------------------------------------- visit spots


def _spots(request):
    return VisitSpot.objects.filter(community=request.community)


@staff_required(Perm.SHOPS_MANAGE)
def spot_list(request):
    spots = _spots(request).select_related("shop").annotate(n_visits=Count("visits"))
    return render(request, "shops/staff/spot_list.html", {"spots": spots})


def _spot_form(request, spot: VisitSpot | None):
    form = SpotForm(request.POST or None, instance=spot, community=request.community)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("来訪スポットを保存しました。"))
        return redirect("shops:staff_spots")
    return _form_page(
        request,
        form,
        title=_("来訪スポットの編集") if spot else _("来訪スポットを作る"),
        back=reverse("shops:staff_spots"),
    )


@staff_required(Perm.SHOPS_MANAGE)
def spot_create(request):
    return _spot_form(request, None)


@staff_required(Perm.SHOPS_MANAGE)
def spot_edit(request, pk: int):
    return _spot_form(request, get_object_or_404(_spots(request), pk=pk))


@staff_required(Perm.SHOPS_MANAGE)
def spot_poster(request, pk: int):
    spot = get_object_or_404(_spots(request).select_related("community"), pk=pk)
    url = request.build_absolute_uri(
        reverse("shops:spot_visit", args=[services.spot_token(spot=spot)])
    )
    return FileResponse(
        io.BytesIO(spot_poster_pdf(spot=spot, url=url)),
        content_type="application/pdf",
        filename=f"spot-{spot.pk}.pdf",
        as_attachment=False,
    )


@staff_required(Perm.SHOPS_MANAGE)
@require_POST
def spot_renew(request, pk: int):
    spot = services.spot_renew_key(spot=get_object_or_404(_spots(request), pk=pk))
    messages.success(
        request,
        _("「%(spot)s」のQRコードを新しくしました。以前のポスターは使えません。")
        % {"spot": spot.name},
    )
    return redirect("shops:staff_spots")


# ---------------------------------------------------------------------------- usage rewards


@staff_required(Perm.SHOPS_MANAGE)
def reward_list(request):
    rewards = UsageReward.objects.filter(community=request.community).annotate(
        n_reached=Count("achievements")
    )
    waiting = (
        RewardAchievement.objects.filter(
            reward__community=request.community, handed_over_at__isnull=True
        )
        .select_related("reward", "member")
        .order_by("reached_at", "pk")
    )
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "shops/staff/reward_list.html",
        {
            "rewards": rewards,
            "page": page,
            "can_open_member": has_perm(request.user, request.community, Perm.MEMBERS_VIEW),
        },
    )


def _reward_form(request, reward: UsageReward | None):
    form = RewardForm(request.POST or None, instance=reward, community=request.community)
    if request.method == "POST" and form.is_valid():
        reward = form.save()
        reached = services.rewards_check_all(community=request.community)
        messages.success(
            request, _("利用の特典を保存しました（新たに達成した会員：%(n)d人）。") % {"n": reached}
        )
        return redirect("shops:staff_rewards")
    return _form_page(
        request,
        form,
        title=_("利用の特典の編集") if reward else _("利用の特典を作る"),
        back=reverse("shops:staff_rewards"),
    )


@staff_required(Perm.SHOPS_MANAGE)
def reward_create(request):
    return _reward_form(request, None)


@staff_required(Perm.SHOPS_MANAGE)
def reward_edit(request, pk: int):
    return _reward_form(request, get_object_or_404(UsageReward, pk=pk, community=request.community))


@staff_required(Perm.SHOPS_MANAGE)
@require_POST
def achievement_hand_over(request, pk: int):
    achievement = get_object_or_404(
        RewardAchievement.objects.select_related("reward", "member"),
        pk=pk,
        reward__community=request.community,
    )
    services.achievement_hand_over(achievement=achievement, by=request.user)
    messages.success(
        request,
        _("%(number)s さんに「%(reward)s」を渡したことを記録しました。")
        % {"number": achievement.member.number, "reward": achievement.reward.reward},
    )
    return redirect("shops:staff_rewards")
