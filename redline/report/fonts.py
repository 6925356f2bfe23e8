"""Which language pictures (charts, the overview image) can be drawn in on this machine.

Chinese labels need a CJK font. The first installed font of :data:`CJK_FONTS` is used;
with none, pictures are drawn in English as a whole (titles, labels, legends, and admin
codes in place of Chinese names), with one logged warning, never with boxes in place of
glyphs.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Final

from matplotlib import font_manager

from redline.text import Lang

log = logging.getLogger(__name__)


#: CJK fonts tried in order (Debian: fonts-noto-cjk, fonts-wqy-zenhei; Windows: YaHei, SimHei).
CJK_FONTS: Final[tuple[str, ...]] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC",
    "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei",
    "SimHei", "PingFang SC", "AR PL UMing CN",
)

_warned: list[bool] = []


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of the first installed CJK font of :data:`CJK_FONTS`, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def picture_lang(lang: Lang) -> Lang:
    """Return the language a picture asked for in ``lang`` is drawn in here.

    ``"zh"`` stays ``"zh"`` only when a CJK font is installed; otherwise the picture is
    drawn in English, and the first such fallback of the process is logged once.
    """
    if lang != "zh" or cjk_font() is not None:
        return lang
    if not _warned:
        _warned.append(True)
        log.warning("no CJK font installed (for example Debian's fonts-noto-cjk): "
                    "charts and images are drawn in English")
    return "en"


def drawable(text: str) -> bool:
    """Say whether ``text`` can be drawn here (ASCII, or a CJK font is installed)."""
    return cjk_font() is not None or text.isascii()
