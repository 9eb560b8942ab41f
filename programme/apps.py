from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = _("Programme")

    def ready(self) -> None:
        # Sign-ins happen inside Django and the sign-up library, not in a service of ours:
        # their signals are the one place to audit them.
        from allauth.mfa.signals import authentication_failed
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from programme import audit

        user_logged_in.connect(audit.on_user_logged_in, dispatch_uid="programme.audit.sign_in")
        user_login_failed.connect(audit.on_user_login_failed, dispatch_uid="programme.audit.sign_in_failed")
        authentication_failed.connect(
            audit.on_second_factor_failed, dispatch_uid="programme.audit.second_factor_failed"
        )
