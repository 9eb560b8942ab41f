"""prod-check reads the e-mails Django's file backend wrote with their bodies decoded: a long
line is written quoted-printable, whose soft line breaks cut a link in the raw file."""

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.filebased import EmailBackend

from deploy.prod_check import sent_messages

LINK = "https://127.0.0.1:8443/accounts/password/reset/key/1b-abcdefghijklmnopqrstuvwxyz0123456789/"


def test_messages_are_read_back_with_their_decoded_bodies(tmp_path):
    body = "Perché tu possa scegliere una nuova password " + "è " * 600 + f"apri questo collegamento: {LINK}"
    message = EmailMultiAlternatives("Reimpostazione", body, to=["persona@prodcheck.invalid"])
    message.attach_alternative(f"<p>Perché: <a href='{LINK}'>{LINK}</a></p>", "text/html")
    EmailBackend(file_path=str(tmp_path)).send_messages([message, message])

    [raw] = [path.read_text() for path in tmp_path.iterdir()]
    assert LINK not in raw.split("Content-Type: text/html")[0]

    [first, second] = sent_messages(tmp_path)
    assert "persona@prodcheck.invalid" in first
    assert LINK in first
    assert first == second
