"""What a map page needs from outside Python, inlined so the page works offline.

Leaflet itself comes from the ``xstatic-leaflet`` package, which ships the release
files unchanged (its ``leaflet.js`` has the published SRI hash of Leaflet 1.9.3);
jQuery, which folium's own popups use, from ``xstatic-jquery`` (folium links the same
release, 3.7.1, from a CDN). redline's runtime (its layers, popups, full screen,
measuring, search and legend) is ``static/redline.js`` and ``static/redline.css``,
installed with the package.

Values that travel into a page are made safe here: :func:`json_for_script` for a JSON
document inside ``<script>``, :func:`json_for_template` for a value written into a
folium template (whose output folium reads again as a Jinja template), and
:func:`html_text` for text that Leaflet shows as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from redline.errors import InputError

LEAFLET_CDN = "https://unpkg.com/leaflet@{version}/dist/{name}"


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet
    except ImportError as ex:
        raise InputError(
            "the package xstatic-leaflet, which ships Leaflet for offline maps, is not installed",
            fix="pip install xstatic-leaflet",
        ) from ex
    return Path(leaflet.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_version() -> str:
    """Return the version of Leaflet shipped by ``xstatic-leaflet``, e.g. ``"1.9.3"``."""
    from xstatic.pkg import leaflet

    return str(leaflet.VERSION)


def _without_source_map(js: str) -> str:
    # The map file is not beside an inlined script; a browser's developer tools would ask.
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", js)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Return the minified ``leaflet.js`` of the installed release."""
    return _without_source_map((_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """``leaflet.css`` with its images inlined as data URIs (no file beside the page)."""
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        return f"url({_png_uri(folder / 'images' / match.group(1))})"

    return re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", inline, css)


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@lru_cache(maxsize=1)
def marker_icons() -> dict[str, str]:
    """Leaflet's default marker images as data URIs, for ``L.Icon.Default``."""
    images = _leaflet_dir() / "images"
    return {"iconUrl": _png_uri(images / "marker-icon.png"),
            "iconRetinaUrl": _png_uri(images / "marker-icon-2x.png"),
            "shadowUrl": _png_uri(images / "marker-shadow.png")}


@lru_cache(maxsize=1)
def jquery_js() -> str | None:
    """Return jQuery from ``xstatic-jquery``, or None when it is not installed."""
    try:
        from xstatic.pkg import jquery
    except ImportError:
        return None
    return _without_source_map(
        (Path(jquery.BASE_DIR) / "jquery.min.js").read_text(encoding="utf-8"))


def sri(name: str) -> str:
    """Subresource-integrity hash of one of Leaflet's release files, as installed."""
    digest = hashlib.sha384((_leaflet_dir() / name).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def leaflet_tags(*, offline: bool) -> tuple[str, str]:
    """Return the ``<style>``/``<link>`` and ``<script>`` tags of Leaflet, in that order.

    Offline, Leaflet is inlined. Online, it is linked from a CDN with a
    subresource-integrity hash computed from the installed release, so a tampered
    copy is refused by the browser.
    """
    if offline:
        return f"<style>{leaflet_css()}</style>", f"<script>{script_safe(leaflet_js())}</script>"
    version = leaflet_version()
    css_url = LEAFLET_CDN.format(version=version, name="leaflet.css")
    js_url = LEAFLET_CDN.format(version=version, name="leaflet.js")
    return (f'<link rel="stylesheet" href="{css_url}" integrity="{sri("leaflet.css")}"'
            ' crossorigin="anonymous">',
            f'<script src="{js_url}" integrity="{sri("leaflet.js")}"'
            ' crossorigin="anonymous"></script>')


def _static(name: str) -> str:
    return resources.files("redline.report").joinpath("static", name).read_text(
        encoding="utf-8")


@lru_cache(maxsize=1)
def runtime_js() -> str:
    """Return redline's map runtime (layers, popups, controls), safe inside ``<script>``."""
    return script_safe(_static("redline.js"))


@lru_cache(maxsize=1)
def runtime_css() -> str:
    """Return the style of redline's map page and controls."""
    return _static("redline.css")


def script_safe(js: str) -> str:
    """Return script text that cannot end its ``<script>`` element early."""
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def json_for_script(data: Any) -> str:
    """Return JSON that cannot end a ``<script>`` element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def json_for_template(data: Any) -> str:
    r"""Return JSON to write into a folium template's script, inert there twice over.

    folium reads the output of an element's template again as a Jinja template
    (``branca.element.Element(text)``), so ``{{ ... }}`` in a value would be run when the
    page is saved. Braces inside strings are written as ``\u007b``/``\u007d`` (JSON
    itself never writes ``{{``, ``{%`` or ``{#``), and ``<``, ``>``, ``&``, ``'`` as in
    :func:`json_for_script`.

    Examples
    --------
    >>> json_for_template({"name": "{{ 7*7 }}</script>"})
    '{"name":"\\u007b\\u007b 7*7 \\u007d\\u007d\\u003c/script\\u003e"}'
    """
    return _escape_braces(json_for_script(data)).replace("'", "\\u0027")


def _escape_braces(text: str) -> str:
    """Escape ``{`` and ``}`` inside the JSON strings of ``text``, not the structural ones."""
    out: list[str] = []
    for i, piece in enumerate(_JSON_STRINGS.split(text)):
        out.append(piece.replace("{", "\\u007b").replace("}", "\\u007d") if i % 2 else piece)
    return "".join(out)


#: A JSON string literal, captured whole.
_JSON_STRINGS = re.compile(r'("(?:[^"\\]|\\.)*")')


def html_text(text: str) -> str:
    """Escape text for a place that takes HTML (a layer's name in Leaflet's layer control).

    Braces become character references too, since folium reads its templates' output
    again as a Jinja template.

    Examples
    --------
    >>> html_text('<img src=x> {{ 7*7 }}')
    '&lt;img src=x&gt; &#123;&#123; 7*7 &#125;&#125;'
    """
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")
