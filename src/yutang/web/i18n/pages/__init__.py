"""Strings of the console modules that keep their own (one file per module, each with a
``STRINGS`` dict of key → {"zh-CN": …, "en": …}); merged into
:data:`yutang.web.i18n.STRINGS`, a key defined twice fails at import."""
