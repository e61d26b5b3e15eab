"""Every declared error code has words for the operator, in 简体中文 and English."""

from __future__ import annotations

import re

import yutang.app  # noqa: F401  (imports every domain, so every code is declared)
from yutang.kit.errors import ERROR_CODES
from yutang.web.i18n.errors import ERROR_WORDS

LANGS = ("zh-CN", "en")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def test_every_declared_code_has_words_in_both_languages() -> None:
    missing = [code for code in ERROR_CODES if code not in ERROR_WORDS]
    undeclared = [code for code in ERROR_WORDS if code not in ERROR_CODES]
    assert not missing, f"codes without words: {missing}"
    assert not undeclared, f"words for codes nobody declares: {undeclared}"
    for code, words in ERROR_WORDS.items():
        assert set(words) == set(LANGS), (code, sorted(words))
        for lang in LANGS:
            assert words[lang].strip(), (code, lang)


def test_chinese_is_chinese_and_english_is_not() -> None:
    for code, words in ERROR_WORDS.items():
        assert CJK.search(words["zh-CN"]), (code, words["zh-CN"])
        assert not CJK.search(words["en"]), (code, words["en"])


def test_no_unfilled_placeholders() -> None:
    for code, words in ERROR_WORDS.items():
        for lang, text in words.items():
            assert "{" not in text and "}" not in text, (code, lang, text)
