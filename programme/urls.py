"""The root URL configuration: each app's pages by name, the account pages, the admin."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from programme import views

programme_patterns = (
    [
        path("health/", views.health, name="health"),
        path("notifiche/", views.inbox, name="inbox"),
        path("notifiche/lette/", views.notifications_mark_all_read, name="mark_all_read"),
        path("notifiche/<int:pk>/", views.notification_open, name="notification"),
        path("lingua/", views.language_switch, name="language"),
        path("staff/programma/impostazioni/", views.programme_settings, name="settings"),
        path("staff/utenti/invita/", views.user_invite, name="invite"),
    ],
    "programme",
)

# The admin signs in through the portal's own login, second factor included.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Portale Manager per le PMI"

urlpatterns = [
    path("accounts/2fa/totp/activate/", views.ActivateSecondFactorView.as_view(), name="mfa_activate_totp"),
    path(
        "accounts/2fa/totp/deactivate/",
        views.DeactivateSecondFactorView.as_view(),
        name="mfa_deactivate_totp",
    ),
    path("accounts/", include("allauth.urls")),
    path("gestione/", admin.site.urls),
    path("", include(programme_patterns)),
    path("", include("assessments.urls")),
    path("", include("assessments.work.urls")),
    path("", include("assessments.review.urls")),
    path("", include("assessments.reports.urls")),
    path("", include("projects.proposal.urls")),
    path("", include("projects.financing.urls")),
    path("", include("managers.urls")),
    path("", include("smes.urls")),
    path("", include("programme.home.urls")),
]

handler403 = "programme.home.views.common.error_403"
handler404 = "programme.home.views.common.error_404"
