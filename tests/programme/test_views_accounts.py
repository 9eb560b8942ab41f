"""Sign-up with e-mail verification, sign-in, password reset, invitations: through the pages,
with the e-mails read from what the notification pipeline delivered."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from programme.models import Notification, User
from programme.roles import Role
from tests import celery_queue
from tests.conftest import sign_in, totp_code
from tests.factories import PASSWORD, SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/accounts/[^\s\"<]+)")


def delivered_link(address: str) -> str:
    """Run the queued e-mail tasks and return the first portal link sent to `address`."""
    celery_queue.run_all()
    bodies = [message.body for message in mail.outbox if address in message.to]
    assert bodies, f"no e-mail to {address}"
    return LINK.search(bodies[-1]).group(1)


def sign_up(client, role, email="nuova@esempio.it", **extra):
    data = {
        "role": role,
        "first_name": "Chiara",
        "last_name": "Villa",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "it",
        **extra,
    }
    return client.post(reverse("account_signup"), data)


@pytest.mark.parametrize(("role", "home"), [(Role.SME_MEMBER, "home:sme"), (Role.MANAGER, "home:manager")])
def test_sign_up_confirm_the_email_and_reach_the_home_of_the_role(
    programme, role, home, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, role)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="nuova@esempio.it")
    assert user.groups.get().name == role
    assert (user.first_name, user.last_name) == ("Chiara", "Villa")
    # Not in before the address is confirmed.
    assert client.get(reverse(home)).status_code == 302

    confirmation = delivered_link("nuova@esempio.it")
    assert client.get(confirmation).status_code == 200
    response = client.post(confirmation)
    assert response.status_code == 302
    assert client.get(reverse("home:dispatch"))["Location"] == reverse(home)
    assert client.get(reverse(home)).status_code == 200
    # Account e-mails go through notifications, outside the inbox.
    assert Notification.objects.filter(email="nuova@esempio.it", in_inbox=False).exists()


def test_sign_up_refuses_a_role_given_only_by_invitation(programme):
    response = sign_up(Client(), Role.STAFF)
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="nuova@esempio.it").exists()


def test_sign_up_says_what_is_wrong_next_to_the_field(programme):
    response = sign_up(Client(), Role.SME_MEMBER, email="non-un-indirizzo", password2="diversa")
    form = response.context["form"]
    assert set(form.errors) >= {"email", "password2"}


def test_sign_in_with_a_wrong_password_is_refused(programme):
    person = SmeMemberFactory()
    response = Client().post(reverse("account_login"), {"login": person.email, "password": "sbagliata"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_password_reset_by_email_link(programme, django_capture_on_commit_callbacks):
    person = SmeMemberFactory()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": person.email})
    assert response.status_code == 302
    link = delivered_link(person.email)
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session
    set_password_page = response["Location"]
    new_password = "Nuova-password-sicura-2027"
    response = client.post(set_password_page, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(new_password)
    sign_in(Client(), person, password=new_password)


def test_password_reset_answers_the_same_for_an_unknown_address(
    programme, django_capture_on_commit_callbacks
):
    person = SmeMemberFactory()
    known = Client().post(reverse("account_reset_password"), {"email": person.email})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nessuno@esempio.it"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_an_invited_administrator_sets_a_password_then_must_set_up_the_second_factor(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("programme:invite"),
            {
                "email": "comitato@esempio.it",
                "first_name": "Sara",
                "last_name": "Conti",
                "role": "administrator",
                "language": "it",
            },
        )
    assert response.status_code == 302
    invited = User.objects.get(email="comitato@esempio.it")
    assert not invited.has_usable_password()

    client = Client()
    response = client.get(delivered_link("comitato@esempio.it"))
    set_password_page = response["Location"]
    password = "Password-del-comitato-2026"
    assert client.post(set_password_page, {"password1": password, "password2": password}).status_code == 302

    client.post(reverse("account_login"), {"login": invited.email, "password": password})
    response = client.get(reverse("home:administrator"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")

    # Setting up an authenticator asks for the password once more, then shows the code to scan.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": password})
    assert response.status_code == 302
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home:administrator")).status_code == 200


def test_invitation_refuses_an_address_already_registered(staff_client):
    existing = SmeMemberFactory()
    response = staff_client.post(
        reverse("programme:invite"),
        {
            "email": existing.email,
            "first_name": "X",
            "last_name": "Y",
            "role": "programme_staff",
            "language": "it",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_only_staff_may_invite(sme_client):
    response = sme_client.post(
        reverse("programme:invite"),
        {
            "email": "x@esempio.it",
            "first_name": "X",
            "last_name": "Y",
            "role": "programme_staff",
            "language": "it",
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="x@esempio.it").exists()


def test_staff_cannot_remove_their_second_factor(staff_client, staff_user):
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.get(user=staff_user, type=Authenticator.Type.TOTP)
    staff_client.post(reverse("mfa_deactivate_totp"), {"code": totp_code(staff_user.totp_secret)})
    assert Authenticator.objects.filter(pk=totp.pk).exists()


def test_language_switch_is_kept_in_the_profile(sme_client, sme_member):
    response = sme_client.post(reverse("programme:language"), {"language": "en", "next": "/pmi/"})
    assert response["Location"] == "/pmi/"
    sme_member.refresh_from_db()
    assert sme_member.language == "en"
    assert "My company" in sme_client.get(reverse("home:sme")).content.decode()


def test_language_switch_refuses_an_outside_address(programme):
    response = Client().post(
        reverse("programme:language"), {"language": "en", "next": "https://example.org/"}
    )
    assert response["Location"] == "/"


def test_staff_is_told_to_set_up_the_second_factor_before_any_page(programme):
    staff = StaffFactory(totp_secret=False)
    client = Client()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    for name in ("home:staff", "programme:settings", "programme:invite", "programme:inbox"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_the_portal_opens_in_italian_whatever_the_browser_prefers(programme):
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("home:landing"))
    assert page["Content-Language"] == "it"
    assert "Come funziona" in page.content.decode()
    client = Client()
    client.post(reverse("programme:language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home:landing"))
    assert page["Content-Language"] == "en"
    assert "How it works" in page.content.decode()
