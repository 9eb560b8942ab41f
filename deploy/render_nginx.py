"""Write the portal's nginx site from deploy/nginx/portal.conf.template.

    .venv/bin/python deploy/render_nginx.py --server-name portal.example.org \\
        --upstream unix:/run/portal/gunicorn.sock --static-root /srv/portal/staticfiles \\
        --certificate /etc/ssl/portal/fullchain.pem --certificate-key /etc/ssl/portal/privkey.pem \\
        > /etc/nginx/sites-available/portal

`make prod-check` renders the same template, so what it checks is what production runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "portal.conf.template"


def render(
    *,
    server_name: str,
    upstream: str,
    static_root: str,
    certificate: str,
    certificate_key: str,
    listen_http: str = "80",
    listen_https: str = "443",
    https_port: int = 443,
    access_log: str = "/var/log/nginx/portal.access.log",
    acme_root: str = "/var/www/letsencrypt",
) -> str:
    """The site configuration with every placeholder filled; refuses to leave one empty."""
    values = {
        "SERVER_NAME": server_name,
        "UPSTREAM": upstream,
        "STATIC_ROOT": static_root.rstrip("/"),
        "CERTIFICATE": certificate,
        "CERTIFICATE_KEY": certificate_key,
        "LISTEN_HTTP": listen_http,
        "LISTEN_HTTPS": listen_https,
        # Browsers reach the default port without naming it; any other port goes in the redirect.
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "ACCESS_LOG": access_log,
        "ACME_ROOT": acme_root.rstrip("/"),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    left = sorted(set(re.findall(r"@@([A-Z_]+)@@", text)))
    if left:
        raise ValueError(f"the nginx template still has placeholders: {', '.join(left)}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", required=True, help="the host name the portal answers to")
    parser.add_argument("--upstream", required=True, help="gunicorn: unix:/path/to.sock or 127.0.0.1:8000")
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT, where collectstatic wrote")
    parser.add_argument("--certificate", required=True)
    parser.add_argument("--certificate-key", required=True)
    parser.add_argument("--listen-http", default="80")
    parser.add_argument("--listen-https", default="443")
    parser.add_argument("--https-port", type=int, default=443, help="the port browsers use for HTTPS")
    parser.add_argument("--access-log", default="/var/log/nginx/portal.access.log")
    parser.add_argument(
        "--acme-root", default="/var/www/letsencrypt", help="certbot's webroot for the ACME challenges"
    )
    arguments = parser.parse_args(argv)
    sys.stdout.write(render(**{key: value for key, value in vars(arguments).items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
