from django.urls import path

from . import views

app_name = "mailings"
urlpatterns = [
    path("staff/segments/", views.segment_list, name="segment_list"),
    path("staff/segments/new/", views.segment_edit, name="segment_create"),
    path("staff/segments/new/contacts/", views.contact_segment_edit,
         name="contact_segment_create"),  # fmt: skip
    path("staff/segments/count/", views.segment_count, name="segment_count"),
    path("staff/segments/<int:pk>/", views.segment_edit, name="segment_edit"),
    path("staff/mailings/", views.mailing_list, name="mailing_list"),
    path("staff/mailings/new/", views.mailing_edit, name="mailing_create"),
    path("staff/mailings/journeys/", views.journey_list, name="journey_list"),
    path("staff/mailings/journeys/<int:pk>/", views.journey_edit, name="journey_edit"),
    path("staff/mailings/<int:pk>/", views.mailing_detail, name="mailing_detail"),
    path("staff/mailings/<int:pk>/edit/", views.mailing_edit, name="mailing_edit"),
    path("staff/mailings/<int:pk>/preview/", views.mailing_preview, name="mailing_preview"),
    path("staff/mailings/<int:pk>/test/", views.mailing_test, name="mailing_test"),
    path("staff/mailings/<int:pk>/send/", views.mailing_send, name="mailing_send"),
    path("staff/mailings/<int:pk>/schedule/", views.mailing_schedule, name="mailing_schedule"),
    path("staff/mailings/<int:pk>/progress/", views.mailing_progress, name="mailing_progress"),
    path(
        "staff/mailings/<int:pk>/recipients/",
        views.mailing_deliveries,
        name="mailing_deliveries",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "unsubscribe/<str:token>/one-click/",
        views.unsubscribe_one_click,
        name="unsubscribe_one_click",
    ),
]
