from django.urls import path

from . import counter_views, staff_views, views

app_name = "shops"
urlpatterns = [
    path("shops/", views.shop_list, name="list"),
    path("spot/<str:token>/", views.spot_visit, name="spot_visit"),
    path("shop/", counter_views.counter, name="counter"),
    path("shop/card/<str:token>/", counter_views.counter_card, name="counter_card"),
    path("shop/member/", counter_views.counter_member, name="counter_member"),
    path("shop/member/redeem/", counter_views.counter_redeem, name="counter_redeem"),
    path("staff/shops/", staff_views.shop_list, name="staff_shops"),
    path("staff/shops/new/", staff_views.shop_create, name="staff_shop_create"),
    path("staff/shops/<int:pk>/", staff_views.shop_detail, name="staff_shop"),
    path("staff/shops/<int:pk>/edit/", staff_views.shop_edit, name="staff_shop_edit"),
    path(
        "staff/shops/<int:pk>/benefits/new/",
        staff_views.benefit_create,
        name="staff_benefit_create",
    ),  # fmt: skip
    path("staff/shops/benefits/<int:pk>/", staff_views.benefit_edit, name="staff_benefit_edit"),
    path("staff/shops/<int:pk>/clerks/", staff_views.clerk_add, name="staff_clerk_add"),
    path(
        "staff/shops/<int:pk>/clerks/<int:user_pk>/remove/",
        staff_views.clerk_remove,
        name="staff_clerk_remove",
    ),  # fmt: skip
    path("staff/shops/spots/", staff_views.spot_list, name="staff_spots"),
    path("staff/shops/spots/new/", staff_views.spot_create, name="staff_spot_create"),
    path("staff/shops/spots/<int:pk>/", staff_views.spot_edit, name="staff_spot_edit"),
    path(
        "staff/shops/spots/<int:pk>/poster.pdf", staff_views.spot_poster, name="staff_spot_poster"
    ),  # fmt: skip
    path("staff/shops/spots/<int:pk>/renew/", staff_views.spot_renew, name="staff_spot_renew"),
    path("staff/shops/rewards/", staff_views.reward_list, name="staff_rewards"),
    path("staff/shops/rewards/new/", staff_views.reward_create, name="staff_reward_create"),
    path("staff/shops/rewards/<int:pk>/", staff_views.reward_edit, name="staff_reward_edit"),
    path(
        "staff/shops/achievements/<int:pk>/hand-over/",
        staff_views.achievement_hand_over,
        name="staff_hand_over",
    ),  # fmt: skip
]
