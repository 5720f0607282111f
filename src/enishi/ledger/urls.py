from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("me/certificate.pdf", views.certificate, name="certificate"),
    path("staff/members/<int:pk>/carrier/", views.designate_carrier, name="designate_carrier"),
]
