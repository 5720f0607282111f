from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("tags/<str:kind>/", views.staff_tags, name="staff_tags"),
    path("security/", views.staff_security, name="staff_security"),
]
