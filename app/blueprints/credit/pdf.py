"""PDF rendering with WeasyPrint: a fetcher that loads nothing from disk or the network, and the QR code."""

import io

import segno
from weasyprint import HTML
from weasyprint.urls import URLFetcher

# Named explicitly so glyphs never fall back to a font without CJK; set on `html` so @page boxes inherit it.
CJK_FONT = "WenQuanYi Micro Hei"


class RefusingFetcher(URLFetcher):
    """Allows only data: URLs; file: and every network URL are refused (a report must not read the server)."""

    refused: list[str]

    def __init__(self):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        self.refused = []

    def fetch(self, url, headers=None):
        """Refuse anything that is not an inline data: URL."""
        if not url.startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:80]}")
        return super().fetch(url, headers)


def qr_svg(url: str) -> str:
    """An inline SVG QR code (segno) for the verification address."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, omitsize=False
    )
    return buffer.getvalue().decode()


def render_pdf(html: str) -> bytes:
    """PDF bytes of an HTML string, with no base URL and the refusing fetcher."""
    return HTML(string=html, base_url=None, url_fetcher=RefusingFetcher()).write_pdf()
