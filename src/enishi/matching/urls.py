from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("staff/scout/", views.scout, name="scout"),
    path("activities/<int:pk>/interest/", views.interest, name="interest"),
    path(
        "staff/activities/<int:pk>/interested/", views.staff_interested, name="staff_interested"
    ),
]
