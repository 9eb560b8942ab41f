from django.urls import path

from managers import views

app_name = "managers"

urlpatterns = [
    path("manager/profilo/", views.profile, name="profile"),
    path("manager/profilo/modifica/", views.profile_edit, name="profile_edit"),
    path("manager/profilo/cv/", views.cv_upload, name="cv_upload"),
    path("manager/profilo/invia/", views.application_submit, name="submit"),
    path("manager/lascia-albo/", views.pool_leave, name="leave"),
    path("manager/indisponibilita/", views.unavailability, name="unavailability"),
    path(
        "manager/indisponibilita/<int:pk>/elimina/",
        views.unavailability_delete,
        name="unavailability_delete",
    ),
    path("albo-manager/<int:pk>/cv/", views.cv_download, name="cv_download"),
    path("staff/manager/graduatoria/", views.ranking, name="ranking"),
    path("staff/manager/graduatoria/ricalcola/", views.merit_recompute, name="recompute"),
    path("staff/manager/banca-dati/", views.pool, name="pool"),
    path("staff/manager/banca-dati/export.csv", views.pool_export, name="pool_export"),
    path("staff/manager/banca-dati/export.xlsx", views.pool_export_xlsx, name="pool_export_xlsx"),
    path("staff/manager/<int:pk>/", views.manager_detail, name="detail"),
    path("staff/manager/<int:pk>/valutazione/", views.review_save, name="review"),
    path("staff/manager/<int:pk>/conflitto/", views.conflict_declare, name="conflict"),
    path("staff/manager/<int:pk>/decisione/", views.manager_decide, name="decide"),
]
