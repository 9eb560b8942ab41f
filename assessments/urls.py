from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("staff/abbinamento/", views.matching, name="matching"),
    path("staff/abbinamento/avvia/", views.matching_start, name="matching_start"),
    path("staff/abbinamento/<int:pk>/", views.run_detail, name="run"),
    path("staff/abbinamento/<int:pk>/stato/", views.run_status, name="run_status"),
    path("staff/abbinamento/<int:pk>/conferma/", views.run_confirm, name="run_confirm"),
    path("staff/abbinamento/<int:pk>/scarta/", views.run_discard, name="run_discard"),
    path("staff/abbinamento/proposte/<int:pk>/cambia/", views.proposal_swap, name="proposal_swap"),
    path("staff/abbinamento/proposte/<int:pk>/escludi/", views.proposal_drop, name="proposal_drop"),
    path("manager/assessment/<int:pk>/", views.answer, name="answer"),
    path("manager/assessment/<int:pk>/accetta/", views.accept, name="accept"),
    path("manager/assessment/<int:pk>/rifiuta/", views.decline, name="decline"),
]
