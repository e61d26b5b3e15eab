"""The console's words speak to an operator, who has never read the project's seed
documents: no string cites them ("seed 003", "种子 000")."""

from __future__ import annotations

import re

from yutang.web.i18n import STRINGS
from yutang.web.i18n.values import VALUES

SEED_CITATION = re.compile(r"\bseed \d{3}\b|种子\s*\d{3}", re.IGNORECASE)


def test_no_string_cites_a_seed_document() -> None:
    cited = [
        (key, lang)
        for key, langs in STRINGS.items()
        for lang, text in langs.items()
        if SEED_CITATION.search(text)
    ]
    cited += [
        (f"{group}.{value}", lang)
        for group, values in VALUES.items()
        for value, langs in values.items()
        for lang, text in langs.items()
        if SEED_CITATION.search(text)
    ]
    assert cited == []
