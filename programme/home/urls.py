from django.urls import path

from programme.home import views

app_name = "home"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.dispatch, name="dispatch"),
    path("pmi/", views.sme_home, name="sme"),
    path("manager/", views.manager_home, name="manager"),
    path("staff/", views.staff_home, name="staff"),
    path("comitato/", views.administrator_home, name="administrator"),
]
