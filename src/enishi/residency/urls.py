from django.urls import path

from . import views

app_name = "residency"
urlpatterns = [
    path("me/residency/", views.my_status, name="me"),
    path("me/registration.pdf", views.certificate, name="certificate"),
    path("staff/residency/", views.staff_overview, name="staff_overview"),
    path("staff/residency/rules/", views.staff_rules, name="staff_rules"),
    path("staff/residency/activities/", views.staff_activities, name="staff_activities"),
    path(
        "staff/residency/activities/<int:pk>/designate/",
        views.staff_designate,
        name="staff_designate",
    ),
    path("staff/residency/export.<str:fmt>", views.staff_export, name="staff_export"),
    *views.IMPORT_PAGES.urls("staff/residency/"),
    path("staff/members/<int:pk>/identity/", views.staff_identity, name="staff_identity"),
]
