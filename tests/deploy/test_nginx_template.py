"""The nginx site that prod-check runs and production installs, rendered from one template."""

import re
import subprocess

import pytest
from django.conf import settings

from deploy import render_nginx
from deploy.prod_check import nginx_binary

VALUES = {
    "server_name": "portal.example.org",
    "upstream": "unix:/run/portal/gunicorn.sock",
    "static_root": "/srv/portal/staticfiles/",
    "certificate": "/etc/ssl/portal/fullchain.pem",
    "certificate_key": "/etc/ssl/portal/privkey.pem",
}


def test_every_placeholder_is_filled():
    site = render_nginx.render(**VALUES)
    assert "@@" not in site
    assert "server unix:/run/portal/gunicorn.sock fail_timeout=0;" in site
    assert "alias /srv/portal/staticfiles/;" in site
    # Browsers on the default port are not sent to an explicit :443.
    assert "return 301 https://$host$request_uri;" in site


def test_another_https_port_is_kept_in_the_redirect():
    site = render_nginx.render(**VALUES, listen_https="127.0.0.1:8443", https_port=8443)
    assert "return 301 https://$host:8443$request_uri;" in site


def test_certbot_s_challenges_are_answered_over_plain_http_only():
    site = render_nginx.render(**VALUES, acme_root="/var/www/acme/")
    plain, _, secure = site.partition("listen 443 ssl")
    assert "location ^~ /.well-known/acme-challenge/ {\n        root /var/www/acme;" in plain
    assert "acme-challenge" not in secure


def test_the_protected_store_is_under_no_location():
    site = render_nginx.render(**VALUES)
    assert "protected" not in site.replace("# Uploads (CVs, reports) live in PROTECTED_MEDIA_ROOT", "")
    assert "/media/" not in site


def test_the_body_cap_is_the_portals_a_little_above_the_five_megabyte_cv():
    site = render_nginx.render(**VALUES)
    [size] = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", site, re.MULTILINE)
    cap = int(size) * 1024 * 1024
    assert cap == settings.REQUEST_BODY_MAX_BYTES
    assert 5 * 1024 * 1024 < cap <= 7 * 1024 * 1024


def test_a_template_placeholder_left_empty_is_refused(monkeypatch, tmp_path):
    template = tmp_path / "portal.conf.template"
    template.write_text(render_nginx.TEMPLATE.read_text() + "\n# @@SOMETHING_NEW@@\n")
    monkeypatch.setattr(render_nginx, "TEMPLATE", template)
    with pytest.raises(ValueError, match="SOMETHING_NEW"):
        render_nginx.render(**VALUES)


def test_nginx_accepts_the_rendered_site(tmp_path):
    certificate, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=portal.example.org",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    site = render_nginx.render(
        **{**VALUES, "certificate": str(certificate), "certificate_key": str(key)},
        listen_http="127.0.0.1:8080",
        listen_https="127.0.0.1:8443",
        https_port=8443,
        access_log=str(tmp_path / "access.log"),
    )
    (tmp_path / "portal.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log stderr; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};"
        f" include {tmp_path}/portal.conf; }}\n"
    )
    answer = subprocess.run(
        [nginx_binary(), "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
