from django.urls import path

from programme.home.views import administrator, common, manager, sme, staff

app_name = "home"

urlpatterns = [
    path("", common.landing, name="landing"),
    path("home/", common.dispatch, name="dispatch"),
    path("pmi/", sme.sme_home, name="sme"),
    path("manager/", manager.manager_home, name="manager"),
    path("staff/", staff.staff_home, name="staff"),
    path("comitato/", administrator.administrator_home, name="administrator"),
]
