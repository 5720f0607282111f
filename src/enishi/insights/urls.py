from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("csv/<slug:key>.csv", views.table_csv, name="table_csv"),
    path("report.xlsx", views.report, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report.pdf", views.report, {"fmt": "pdf"}, name="report_pdf"),
    path("opendata.csv", views.open_data, name="open_data"),
]
