"""The manager's workspace: visits, findings, recommendations, the report's submission;
and the SME's answer to each visit."""

from django.urls import path

from assessments.work import views

app_name = "work"

urlpatterns = [
    path("manager/valutazione/<int:pk>/", views.workspace, name="workspace"),
    path("manager/valutazione/<int:pk>/bozza/", views.draft, name="draft"),
    path("manager/valutazione/<int:pk>/invia/", views.submit, name="submit"),
    path("manager/valutazione/<int:pk>/visite/nuova/", views.visit_add, name="visit_add"),
    path("manager/visite/<int:pk>/modifica/", views.visit_edit, name="visit_edit"),
    path("manager/visite/<int:pk>/elimina/", views.visit_delete, name="visit_delete"),
    path(
        "manager/valutazione/<int:pk>/raccomandazioni/nuova/",
        views.recommendation_add,
        name="recommendation_add",
    ),
    path(
        "manager/raccomandazioni/<int:pk>/elimina/", views.recommendation_delete, name="recommendation_delete"
    ),
    path("manager/raccomandazioni/<int:pk>/sposta/", views.recommendation_move, name="recommendation_move"),
    path("pmi/valutazione/visite/", views.sme_visits, name="sme_visits"),
    path("pmi/valutazione/visite/<int:pk>/risposta/", views.visit_answer, name="visit_answer"),
]
