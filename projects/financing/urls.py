"""The administrators' decisions within the envelope, and the financing of approved projects."""

from django.urls import path

from projects.financing import views

app_name = "financing"

urlpatterns = [
    path("comitato/progetti/", views.decision_board, name="board"),
    path("finanziamento/progetti/", views.portfolio, name="portfolio"),
    path("finanziamento/progetti/<int:pk>/", views.project_detail, name="detail"),
    path("finanziamento/progetti/<int:pk>/approva/", views.project_approve, name="approve"),
    path("finanziamento/progetti/<int:pk>/respingi/", views.project_reject, name="reject"),
    path("finanziamento/progetti/<int:pk>/conflitto/", views.project_declare_conflict, name="conflict"),
    path("finanziamento/progetti/<int:pk>/codici/", views.project_record_codes, name="codes"),
    path("finanziamento/progetti/<int:pk>/avvio/", views.project_start, name="start"),
    path(
        "finanziamento/progetti/<int:pk>/tappe/<int:milestone_pk>/raggiunta/",
        views.milestone_reached,
        name="milestone_reached",
    ),
    path(
        "finanziamento/progetti/<int:pk>/tappe/<int:milestone_pk>/pagamento/",
        views.milestone_pay,
        name="milestone_pay",
    ),
    path(
        "finanziamento/progetti/<int:pk>/relazione-finale/", views.project_final_report, name="final_report"
    ),
    path("finanziamento/progetti/<int:pk>/chiudi/", views.project_close, name="close"),
    path("finanziamento/progetti/<int:pk>/revoca/", views.project_revoke, name="revoke"),
]
