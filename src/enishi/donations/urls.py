from django.urls import path

from . import views

app_name = "donations"
urlpatterns = [
    path("staff/donations/", views.donation_list, name="donation_list"),
    path("staff/donations/export.csv", views.donation_export, name="donation_export"),
    *views.IMPORT_PAGES.urls("staff/donations/"),
    path("staff/donations/review/", views.review_list, name="review_list"),
    path("staff/donations/review/<int:pk>/", views.review_decide, name="review_decide"),
    path("staff/contacts/", views.contact_list, name="contact_list"),
    path("staff/contacts/invite/", views.contact_invite, name="contact_invite"),
    path("staff/contacts/new/", views.contact_create, name="contact_create"),
    path("staff/contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/no-more-mail/<str:token>/", views.opt_out, name="opt_out"),
    path("contacts/no-more-mail/<str:token>/one-click/", views.opt_out_one_click,
         name="opt_out_one_click"),  # fmt: skip
]
