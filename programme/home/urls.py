from django.urls import path

from programme.home.views import administrator, common, manager, privacy, public, sme, staff

app_name = "home"

urlpatterns = [
    path("", common.landing, name="landing"),
    path("statistiche/", public.statistics, name="statistics"),
    path("home/", common.dispatch, name="dispatch"),
    path("pmi/", sme.sme_home, name="sme"),
    path("manager/", manager.manager_home, name="manager"),
    path("staff/", staff.staff_home, name="staff"),
    path("staff/manager-carico/", staff.workload, name="workload"),
    path("comitato/", administrator.administrator_home, name="administrator"),
    path("staff/persone/", privacy.people, name="people"),
    path("staff/persone/<int:pk>/", privacy.person_detail, name="person"),
    path("staff/persone/<int:pk>/dati.json", privacy.person_download, name="person_download"),
    path("staff/persone/<int:pk>/cancella/", privacy.person_erase, name="person_erase"),
]
