from django.urls import path

from . import views

app_name = "promotion"
urlpatterns = [
    path("me/posts/", views.my_posts, name="my_posts"),
    path("me/ambassador/", views.my_ambassador, name="my_ambassador"),
    path("ambassadors/", views.ambassador_board, name="ambassadors"),
    path("staff/referrals/", views.staff_referrals, name="staff_referrals"),
    path("staff/referrals/<int:pk>/", views.staff_member_referrals, name="staff_member_referrals"),
    path("staff/posts/", views.staff_posts, name="staff_posts"),
    path("staff/posts/<int:pk>/review/", views.staff_post_review, name="staff_post_review"),
    path("staff/campaigns/", views.staff_campaigns, name="staff_campaigns"),
    path("staff/campaigns/new/", views.staff_campaign_edit, name="staff_campaign_create"),
    path("staff/campaigns/<int:pk>/edit/", views.staff_campaign_edit, name="staff_campaign_edit"),
]
