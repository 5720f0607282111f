from django.urls import path

from . import checkin_views, feed_views, views

app_name = "activities"
urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/feed.ics", feed_views.public_feed, name="feed"),
    path("jobs/", views.job_board, name="jobs"),
    path("activities/<int:pk>/", views.activity_detail, name="detail"),
    path("activities/<int:pk>/apply/", views.activity_apply, name="apply"),
    path("activities/<int:pk>.ics", views.activity_ics, name="ics"),
    path("me/applications/", views.my_applications, name="my_applications"),
    path("me/calendar/", feed_views.my_calendar, name="my_calendar"),
    path("me/calendar/revoke/", feed_views.my_calendar_revoke, name="my_calendar_revoke"),
    path("feeds/<str:key>.ics", feed_views.member_feed, name="member_feed"),
    path("me/applications/<int:pk>/cancel/", views.my_application_cancel, name="cancel"),
    path("staff/activities/", views.staff_activity_list, name="staff_list"),
    path("staff/activities/new/", views.staff_activity_create, name="staff_create"),
    path("staff/activities/<int:pk>/", views.staff_activity_detail, name="staff_detail"),
    path("staff/activities/<int:pk>/edit/", views.staff_activity_edit, name="staff_edit"),
    path(
        "staff/activities/<int:pk>/duplicate/",
        views.staff_activity_duplicate,
        name="staff_duplicate",
    ),
    path("staff/activities/<int:pk>/status/", views.staff_activity_status, name="staff_status"),
    path("staff/activities/<int:pk>/decide/", views.staff_applications_decide, name="decide"),
    path(
        "staff/activities/<int:pk>/applications/<int:application_pk>/<str:action>/",
        views.staff_application_action,
        name="application_action",
    ),
    path("staff/activities/<int:pk>/lottery/", views.staff_lottery, name="lottery"),
    path(
        "staff/activities/<int:pk>/export.<str:fmt>",
        views.staff_applicants_export,
        name="export",
    ),
    path(
        "staff/activities/<int:pk>/checkin-list/",
        views.staff_checkin_list,
        name="checkin_list",
    ),
    path("staff/checkin/<int:pk>/", checkin_views.desk, name="checkin_desk"),
    path("staff/checkin/<int:pk>/card/<str:token>/", checkin_views.card, name="checkin_card"),
    path("staff/checkin/<int:pk>/walk-in/", checkin_views.walk_in, name="checkin_walk_in"),
    path("staff/checkin/<int:pk>/walk-in/contact/", checkin_views.walk_in_contact,
         name="checkin_walk_in_contact"),  # fmt: skip
    path("staff/checkin/<int:pk>/display/", checkin_views.display, name="checkin_display"),
    path("staff/checkin/<int:pk>/close/", checkin_views.close, name="checkin_close"),
    path("checkin/<str:token>/", checkin_views.self_checkin, name="self_checkin"),
]
