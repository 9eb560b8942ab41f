"""Staff's side of the assessment: validation, cancellation, handover, the list, deadlines."""

from django.urls import path

from assessments.review import views

app_name = "review"

urlpatterns = [
    path("staff/valutazioni/", views.assessment_list, name="list"),
    path("staff/valutazioni/export.csv", views.assessment_export, name="export"),
    path("staff/valutazioni/export.xlsx", views.assessment_export_xlsx, name="export_xlsx"),
    path("staff/valutazioni/<int:pk>/", views.assessment_detail, name="detail"),
    path("staff/valutazioni/<int:pk>/completa/", views.assessment_complete, name="complete"),
    path("staff/valutazioni/<int:pk>/restituisci/", views.assessment_return, name="return"),
    path("staff/valutazioni/<int:pk>/annulla/", views.assessment_cancel, name="cancel"),
    path("staff/valutazioni/<int:pk>/riassegna/", views.assessment_hand_over, name="hand_over"),
]
