"""Each role reaches its pages and no other: anonymous users go to sign in, another role gets 403."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "login"
OK = 200

# Expected answers written by hand, page by persona.
PAGES = {
    "home:sme": {"anonymous": LOGIN, "sme_member": OK, "manager": 403, "staff": 403, "administrator": 403},
    "home:manager": {
        "anonymous": LOGIN,
        "sme_member": 403,
        "manager": OK,
        "staff": 403,
        "administrator": 403,
    },
    "home:staff": {"anonymous": LOGIN, "sme_member": 403, "manager": 403, "staff": OK, "administrator": 403},
    "home:administrator": {
        "anonymous": LOGIN,
        "sme_member": 403,
        "manager": 403,
        "staff": 403,
        "administrator": OK,
    },
    "programme:settings": {
        "anonymous": LOGIN,
        "sme_member": 403,
        "manager": 403,
        "staff": OK,
        "administrator": 403,
    },
    "programme:invite": {
        "anonymous": LOGIN,
        "sme_member": 403,
        "manager": 403,
        "staff": OK,
        "administrator": 403,
    },
    "programme:inbox": {
        "anonymous": LOGIN,
        "sme_member": OK,
        "manager": OK,
        "staff": OK,
        "administrator": OK,
    },
    "home:landing": {"anonymous": OK, "sme_member": OK, "manager": OK, "staff": OK, "administrator": OK},
}


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_every_page_answers_each_persona_by_the_refusal_rule(persona_clients, url_name):
    url = reverse(url_name)
    for persona, expected in PAGES[url_name].items():
        response = persona_clients[persona].get(url)
        if expected == LOGIN:
            assert response.status_code == 302, persona
            assert response["Location"].startswith(reverse("account_login")), persona
            assert f"next={url}" in response["Location"]
        else:
            assert response.status_code == expected, (persona, url_name, response.status_code)


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("sme_member", "home:sme"),
        ("manager", "home:manager"),
        ("staff", "home:staff"),
        ("administrator", "home:administrator"),
    ],
)
def test_signing_in_leads_each_role_to_its_home(persona_clients, persona, home):
    response = persona_clients[persona].get(reverse("home:dispatch"))
    assert response.status_code == 302
    assert response["Location"] == reverse(home)


def test_another_persons_notification_answers_404(sme_client, other_sme_member):
    from programme.models import Notification

    theirs = Notification.objects.create(
        recipient=other_sme_member, email=other_sme_member.email, event="x", subject="Theirs", body_text="..."
    )
    assert sme_client.get(reverse("programme:notification", args=[theirs.pk])).status_code == 404
    assert sme_client.post(reverse("programme:notification", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_navigation_shows_each_role_its_pages(persona_clients):
    staff_page = persona_clients["staff"].get(reverse("home:staff")).content.decode()
    assert reverse("programme:settings") in staff_page
    sme_page = persona_clients["sme_member"].get(reverse("home:sme")).content.decode()
    assert reverse("programme:settings") not in sme_page
    assert reverse("home:sme") in sme_page
