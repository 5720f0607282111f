from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("staff/audit/", views.staff_audit, name="staff_audit"),
    path("staff/policies/", views.staff_policies, name="staff_policies"),
    path("me/consent/", views.consent, name="consent"),
]
