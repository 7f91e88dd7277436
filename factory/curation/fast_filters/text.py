"""datatrove's ``simplify_text``, the same string for a fraction of the cost (MinHash shingles and the contamination
n-grams both start from it).

Its last step removes diacritics by walking every character of the NFD form in Python: a quarter of a MinHash
signature's time once the words come fast. NFD leaves ASCII as it is and never reorders across an ASCII character (each is a starter), so
walking only the non-ASCII runs gives the same string; the other steps are datatrove's own.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from datatrove.utils.text import DEF_TEXT_NORM_CONFIG, TextNormConfig, simplify_text

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def simplified(text: str, config: TextNormConfig = DEF_TEXT_NORM_CONFIG) -> str:
    """``simplify_text(text, config)``, exactly."""
    if not config.norm_unicode_diacritics:
        return simplify_text(text, config)
    return _NON_ASCII.sub(_without_marks, simplify_text(text, dataclasses.replace(config, norm_unicode_diacritics=False))).strip()


def _without_marks(run: re.Match) -> str:
    return "".join(char for char in unicodedata.normalize("NFD", run.group()) if unicodedata.category(char) != "Mn")

