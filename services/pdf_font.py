"""Finding an embeddable Simplified Chinese font for the printable forms."""
from __future__ import annotations

import os
from functools import lru_cache

#: (path, index in a font collection) tried in order; PDF_FONT_PATH / PDF_FONT_INDEX override.
CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # Noto Serif CJK SC (宋体-like)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]
BOLD_CANDIDATES = [("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
                   ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2)]


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=4)
def find_font(configured: str | None = None, index: int = 0) -> tuple[tuple[str, int], tuple[str, int] | None]:
    """The regular (and, if available, bold) CJK font to embed."""
    if configured:
        if not os.path.exists(configured):
            raise FontMissing(configured)
        return (configured, index), None
    regular = next(((p, i) for p, i in CANDIDATES if os.path.exists(p)), None)
    if regular is None:
        raise FontMissing("no CJK font found; install the Debian package fonts-noto-cjk or set PDF_FONT_PATH")
    bold = next(((p, i) for p, i in BOLD_CANDIDATES if os.path.exists(p)), None)
    return regular, bold
