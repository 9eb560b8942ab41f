from django.urls import path

from smes import views

app_name = "smes"

urlpatterns = [
    path("pmi/candidatura/", views.application_mine, name="application_mine"),
    path("pmi/candidatura/nuova/", views.application_new, name="application_new"),
    path("pmi/candidature/<int:pk>/", views.application_detail, name="application_detail"),
    path("pmi/candidature/<int:pk>/invia/", views.application_submit, name="application_submit"),
    path("pmi/candidature/<int:pk>/ritira/", views.application_withdraw, name="application_withdraw"),
    path("pmi/candidature/<int:pk>/<slug:slug>/", views.application_step, name="application_step"),
    path("pmi/impresa/colleghi/", views.company_members, name="company_members"),
    path("staff/candidature/", views.staff_list, name="staff_list"),
    path("staff/candidature/export.csv", views.staff_export, name="staff_export"),
    path("staff/candidature/export.xlsx", views.staff_export_xlsx, name="staff_export_xlsx"),
    path("staff/candidature/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/candidature/<int:pk>/ammissibilita/", views.staff_decide, name="staff_decide"),
    path("staff/candidature/<int:pk>/deroga/", views.staff_overrule, name="staff_overrule"),
    path("staff/candidature/<int:pk>/iscrivi/", views.staff_enrol, name="staff_enrol"),
    path("staff/candidature/<int:pk>/ritira/", views.staff_withdraw, name="staff_withdraw"),
]
