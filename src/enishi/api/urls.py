from django.urls import path

from . import views

app_name = "api_tokens"
urlpatterns = [
    path("staff/api-tokens/", views.staff_tokens, name="staff"),
    path("staff/api-tokens/<int:pk>/revoke/", views.staff_token_revoke, name="staff_revoke"),
    path("me/api-token/", views.my_token, name="me"),
    path("me/api-token/revoke/", views.my_token_revoke, name="me_revoke"),
]
