"""The report as a PDF, drawn by WeasyPrint from the same HTML the page uses.

The document fetches nothing: its style and its chart are inside the HTML, and every
other URL is refused, so text typed by users can never make the server fetch a URL."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

PDF_TEMPLATE = "assessments/reports/report_pdf.html"


def render_pdf(context: dict[str, Any]) -> bytes:
    """The report's PDF in the active language."""
    # Imported here: it loads Pango, which no other page needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(PDF_TEMPLATE, context)
    # No protocol is allowed, so no URL is ever fetched.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
