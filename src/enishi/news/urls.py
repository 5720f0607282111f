from django.urls import path

from . import feeds, views

app_name = "news"
urlpatterns = [
    path("news/", views.report_list, name="list"),
    path("news/<int:pk>/", views.report_detail, name="detail"),
    path("news/feed.rss", feeds.ReportFeed(), name="feed_rss"),
    path("news/feed.atom", feeds.ReportAtomFeed(), name="feed_atom"),
    path("staff/news/", views.staff_reports, name="staff_list"),
    path("staff/news/new/", views.staff_report_edit, name="staff_create"),
    path("staff/news/<int:pk>/edit/", views.staff_report_edit, name="staff_edit"),
    path("staff/news/<int:pk>/photos/", views.staff_photo_add, name="staff_photo_add"),
    path(
        "staff/news/<int:pk>/photos/<int:photo_pk>/delete/",
        views.staff_photo_delete,
        name="staff_photo_delete",
    ),
]
