"""redline's folium plugins: what an inspection map needs and folium has no element for.

Written the way folium's own plugins are (a ``MacroElement`` with a Jinja template whose
``script`` macro calls a small JavaScript runtime), with two differences that keep the
page offline and safe:

* The runtime (``static/redline.js`` and ``.css``) is inlined into the page's head,
  never linked; :class:`InspectionMap` inlines Leaflet too, and drops folium's default
  CDN assets (jQuery, Bootstrap, Font Awesome, awesome-markers) unless the page uses
  them, inlining jQuery from ``xstatic-jquery`` when it does.
* A layer's data travels as one JSON document in a ``<script type="application/json">``
  element placed as is (:class:`RawHtml`), never through a template: folium reads the
  output of every template again as a Jinja template, so ``{{ ... }}`` in a value would
  be run. The few values a template does get (names, words) pass through
  :func:`~redline.report.assets.json_for_template` or
  :func:`~redline.report.assets.html_text`. Values reach the page through
  ``textContent`` only.

A user's own folium layers, added to the map as to any ``folium.Map``, are drawn over
redline's and listed in its layer control.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any, Final

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, Link, MacroElement
from folium.map import Layer
from folium.template import Template

from redline.io.outputs import generator_meta
from redline.report import assets
from redline.text import Lang

log = logging.getLogger(__name__)


class RawHtml(Element):
    """Text placed in the page as it is, never read as a template (data, inlined assets)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text."""
        return self.text


class Page(Figure):
    """The HTML page around a map: its language, charset, generator mark and title.

    ``title`` is plain text; it is escaped here.
    """

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.html_lang }}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        "{{ this.generator }}\n"
        "<title>{{ this.title_html }}</title>\n"
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "{{ this.html.render(**kwargs) }}\n"
        "<script>\n"
        "{{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</body>\n"
        "</html>\n"
    )

    def __init__(self, *, title: str, lang: Lang, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._name = "Page"
        self.header._children.pop("meta_http", None)  # <meta charset> says it
        self.html_lang = "zh-CN" if lang == "zh" else "en"
        self.title_html = html.escape(title)
        self.generator = generator_meta()


def stable_names(root: Element) -> None:
    """Name every element under ``root`` by its place in the tree, not at random.

    branca names each element with 16 random bytes, so two runs over the same data would
    write pages that differ in every name; numbered in tree order, the same map gives the
    same page, byte for byte (a map.html can be compared, hashed and diffed). Names are
    read only when the page is rendered, so renaming before that is safe.
    """
    count = 0

    def walk(element: Element) -> None:
        nonlocal count
        count += 1
        element._id = f"{count:032x}"
        for part in ("header", "html", "script"):
            inner = getattr(element, part, None)
            if isinstance(inner, Element) and inner is not element:
                walk(inner)
        # The children stay under their keys: only rendered names are read from the ids.
        for child in element._children.values():
            walk(child)

    walk(root)


def _runtime(figure: Element) -> None:
    """Put redline's runtime into the page's head, once."""
    assert isinstance(figure, Figure), "a redline element must be in a folium map"
    figure.header.add_child(RawHtml(f"<style>{assets.runtime_css()}</style>"),
                            name="redline_css")
    figure.header.add_child(RawHtml(f"<script>{assets.runtime_js()}</script>"),
                            name="redline_js")


def _map_of(element: Element) -> folium.Map:
    parent = element._parent
    while parent is not None and not isinstance(parent, folium.Map):
        parent = parent._parent
    if parent is None:
        raise ValueError("a redline element must be added to a folium.Map (or a layer on one)")
    return parent


class _Plugin(MacroElement):
    """A redline element: its script calls the runtime with the map it is on."""

    def render(self, **kwargs: Any) -> Any:
        """Add the runtime to the page, then render as any ``MacroElement``."""
        self.map_name = _map_of(self).get_name()
        _runtime(self.get_root())
        return super().render(**kwargs)


class Setup(_Plugin):
    """Set a map up for redline's layers: canvas renderer, image panes, the controls' words.

    Parameters
    ----------
    ui
        The words of the controls (``text.<lang>.MAP``).
    lang
        The language numbers are formatted in.
    severity
        Outline style of a finding by severity.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "redline.setup({{ this.map_name }}, {{ this.options }});"
        "{% endmacro %}"
    )

    def __init__(self, *, ui: dict[str, str], lang: Lang,
                 severity: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self._name = "RedlineSetup"
        self.options = assets.json_for_template(
            {"ui": ui, "lang": lang, "severity": severity})


class _DataLayer(Layer):
    """A layer whose data is one JSON document in the page, read by ``redline.<kind>``."""

    _kind: str = ""
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = redline.{{ this._kind }}({{ this.map_name }}, "
        "redline.data({{ this.data_id|tojson }}));"
        "{% endmacro %}"
    )

    def __init__(self, data: str, *, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "Redline" + self._kind.title()
        self.data = data

    @property
    def data_id(self) -> str:
        """The id of the element holding the layer's data."""
        return f"{self.get_name()}-data"

    def render(self, **kwargs: Any) -> Any:
        """Place the data in the page's body, the runtime in its head, then the script."""
        self.map_name = _map_of(self).get_name()
        figure = self.get_root()
        _runtime(figure)
        assert isinstance(figure, Figure)
        figure.html.add_child(RawHtml(
            f'<script type="application/json" id="{self.data_id}">{self.data}</script>'),
            name=self.data_id)
        return super().render(**kwargs)


class VectorLayer(_DataLayer):
    """Features on a shared canvas, each with its id as tooltip and its values as popup.

    ``data`` is the JSON text (:func:`~redline.report.assets.json_for_script`) of
    ``{"key", "name", "style", "interactive", "ids", "fields", "values", "geoms"...}``
    (:mod:`redline.report.map`); ``name`` is the layer control's label, as HTML.
    """

    _kind = "vector"


class ImageLayer(_DataLayer):
    """A layer of too many features to draw one by one, as a PNG image under the vectors."""

    _kind = "image"


class BulkLayer(_DataLayer):
    """Many findings: an image at county zoom, clickable features when zoomed in.

    Their geometries and values travel gzip-compressed; every id is in the search.
    """

    _kind = "bulk"


class CountyLayer(_DataLayer):
    """A batch's counties: named outlines coloured by the figure a selector picks.

    With its legend, and the ranking table below the map linking to each county's pages
    (:mod:`redline.report.batch_overview`).
    """

    _kind = "counties"


class _Control(_Plugin):
    """A control of the runtime: ``redline.<kind>(map, args...)``."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "redline.{{ this.kind }}({{ this.map_name }}{{ this.args }});"
        "{% endmacro %}"
    )

    def __init__(self, kind: str, *args: Any) -> None:
        super().__init__()
        self._name = "Redline" + kind.title()
        self.kind = kind
        self.args = "".join(", " + assets.json_for_template(a) for a in args)


class Title(_Control):
    """The map's title, top left (plain text)."""

    def __init__(self, text: str) -> None:
        super().__init__("title", text)
        self.text = text


class Legend(_Control):
    """The legend, bottom left: sections of ``{"title", "rows": [{"label", "fill", "stroke"}]}``."""

    def __init__(self, sections: list[dict[str, Any]]) -> None:
        super().__init__("legend", sections)
        self.sections = sections


class Scale(_Control):
    """A metric scale bar."""

    def __init__(self) -> None:
        super().__init__("scale")


class FullScreen(_Control):
    """A full-screen button (the browser's full screen, or the whole window)."""

    def __init__(self) -> None:
        super().__init__("fullscreen")


class Measure(_Control):
    """A measuring tool: distance and area of the points clicked, in m, km, m2 and mu."""

    def __init__(self) -> None:
        super().__init__("measure")


class Search(_Control):
    """A search box: parcel and finding ids of redline's layers, exact matches first."""

    def __init__(self) -> None:
        super().__init__("search")


# --- the map --------------------------------------------------------------------------

#: folium's default assets by name, and what in the page's scripts uses them.
_FOLIUM_ASSETS: Final[dict[str, str]] = {
    "jquery": "jquery",
    "bootstrap": "awesome_markers", "bootstrap_css": "awesome_markers",
    "glyphicons_css": "awesome_markers", "awesome_markers": "awesome_markers",
    "awesome_markers_css": "awesome_markers", "awesome_markers_font_css": "awesome_markers",
    "awesome_rotate_css": "awesome_markers",
}
_USES: Final[dict[str, re.Pattern[str]]] = {
    "jquery": re.compile(r"\$\(|\$\.|jQuery"),
    "awesome_markers": re.compile(r"AwesomeMarkers"),
}


class InspectionMap(folium.Map):
    """A ``folium.Map`` that saves as one self-contained page.

    Offline (the default), Leaflet is inlined from ``xstatic-leaflet``, and folium's
    default CDN assets are dropped unless an element of the page uses them: jQuery is
    then inlined from ``xstatic-jquery``; Leaflet's marker images are inlined when the
    page has markers. An asset no installed package ships (awesome-markers, a folium
    plugin's scripts) stays linked, and the page says so in a warning when saved.
    Online, Leaflet is linked from a CDN with its integrity hash.

    The layer control is always rendered last, so layers added after it are listed.
    """

    def __init__(self, *, title: str, lang: Lang, offline: bool = True,
                 **kwargs: Any) -> None:
        kwargs.setdefault("tiles", None)
        kwargs.setdefault("font_size", "0.75rem")  # Leaflet's own 12 px, not folium's 1rem
        super().__init__(**kwargs)
        self.offline = offline
        Page(title=title, lang=lang).add_child(self)

    def render(self, **kwargs: Any) -> Any:
        """Render as a ``folium.Map``, with the assets of this page."""
        for name, child in list(self._children.items()):
            if isinstance(child, folium.LayerControl):
                self._children.move_to_end(name)
        figure = self.get_root()
        assert isinstance(figure, Figure)
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []
        css, js = assets.leaflet_tags(offline=self.offline)
        figure.header.add_child(RawHtml(css), name="leaflet_css", index=0)
        figure.header.add_child(RawHtml(js), name="leaflet", index=1)
        out = super().render(**kwargs)
        settle_assets(figure, offline=self.offline)
        return out


def settle_assets(figure: Figure, *, offline: bool) -> None:
    """Give the page folium's default assets its scripts use, and none of the others.

    Runs after the page's elements are rendered, when its scripts are known. Offline,
    jQuery is inlined from ``xstatic-jquery``; an asset no installed package ships is
    linked from folium's CDN, with a warning.
    """
    scripts = "\n".join(getattr(child, "_template_str", None) or ""
                        for child in figure.script._children.values())
    used = {group for group, pattern in _USES.items() if pattern.search(scripts)}
    header = figure.header._children
    for name in list(header):
        if name in _FOLIUM_ASSETS and _FOLIUM_ASSETS[name] not in used:
            del header[name]
    defaults = [(name, url, JavascriptLink) for name, url in folium.Map.default_js] + [
        (name, url, CssLink) for name, url in folium.Map.default_css]
    for name, url, link in defaults:
        if _FOLIUM_ASSETS.get(name) not in used:
            continue
        if offline and name == "jquery" and (js := assets.jquery_js()) is not None:
            figure.header.add_child(RawHtml(f"<script>{assets.script_safe(js)}</script>"),
                                    name=name)
        elif name not in header:
            figure.header.add_child(link(url), name=name)
    if offline and "L.marker(" in scripts:
        icons = assets.json_for_script(assets.marker_icons())
        figure.header.add_child(RawHtml(
            f"<script>L.Icon.Default.mergeOptions({icons});</script>"),
            name="redline_marker_icons")
    if offline:
        linked = sorted({child.url for child in header.values() if isinstance(child, Link)})
        if linked:
            log.warning("the map's added elements load %d file(s) from the network (%s): "
                        "the page needs it to show them", len(linked), ", ".join(linked))
