"""Proposing a development project (the SME with its manager) and its eligibility (staff)."""

from django.urls import path

from projects.proposal import views

app_name = "proposal"

urlpatterns = [
    path("pmi/valutazioni/<int:assessment_pk>/progetto/", views.project_start, name="start"),
    path("progetti/<int:pk>/", views.project_detail, name="detail"),
    path("progetti/<int:pk>/modifica/<slug:step>/", views.project_edit, name="edit"),
    path("progetti/<int:pk>/invia/", views.project_submit, name="submit"),
    path("staff/progetti/", views.staff_list, name="staff_list"),
    path("staff/progetti/export.csv", views.staff_export, name="staff_export"),
    path("staff/progetti/export.xlsx", views.staff_export_xlsx, name="staff_export_xlsx"),
    path("staff/progetti/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/progetti/<int:pk>/ammissibilita/", views.staff_judge, name="staff_judge"),
]
