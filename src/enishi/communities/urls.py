from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("tags/<str:kind>/", views.staff_tags, name="staff_tags"),
    path("security/", views.staff_security, name="staff_security"),
    path("team/", views.staff_team, name="staff_team"),
    path("team/<int:pk>/remove/", views.staff_team_remove, name="staff_team_remove"),
]
