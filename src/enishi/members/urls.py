from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile_edit, name="profile"),
    path("me/mail/", views.mail_preferences, name="mail"),
    path("me/data.json", views.data_json, name="data_json"),
    path("me/data.csv", views.data_csv, name="data_csv"),
    path("me/withdraw/", views.withdraw, name="withdraw"),
    path("me/card/", views.card, name="card"),
    path("me/card.pdf", views.card_pdf, name="card_pdf"),
    path("card/<str:token>/", views.card_check, name="card_check"),
    path("staff/members/", views.staff_member_list, name="staff_list"),
    path("staff/members/<int:pk>/", views.staff_member_detail, name="staff_detail"),
    path("staff/members/export.<str:fmt>", views.staff_member_export, name="staff_export"),
]
