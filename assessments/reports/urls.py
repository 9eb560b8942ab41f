"""The report: its page, its PDF, and the SME's feedback."""

from django.urls import path

from assessments.reports import views

app_name = "reports"

urlpatterns = [
    path("assessment/<int:pk>/rapporto/", views.report, name="report"),
    path("assessment/<int:pk>/rapporto/pdf/", views.report_pdf, name="report_pdf"),
    path("assessment/<int:pk>/rapporto/valutazione/", views.feedback, name="feedback"),
]
