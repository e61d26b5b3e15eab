"""The operators' console (zh-CN / en). Minimal for now: a landing page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from yutang.config import Settings

_LANDING = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Yutang 鱼塘</title>
<style>body{{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;max-width:44rem;
margin:3rem auto;padding:0 1rem;color:#1f2d2a}}a{{color:#0b7a5c}}code{{background:#eef3f1;
padding:.1rem .3rem}}</style></head><body>
<h1>鱼塘 Yutang</h1><p>{tagline}</p>
<ul><li><a href="/api/docs">{api}</a></li><li><a href="/health">/health</a></li></ul>
<p>{cli}: <code>yutang links list</code> · <code>yutang stats channels</code></p>
<p><a href="?lang=zh-CN">中文</a> · <a href="?lang=en">English</a></p>
</body></html>"""

TEXT = {
    "zh-CN": {"tagline": "私域流量运营平台：短链、渠道、活码与点击分析。", "api": "API 文档",
              "cli": "命令行"},
    "en": {"tagline": "Private-domain traffic operations: short links, channels, live codes "
           "and click analytics.", "api": "API documentation", "cli": "Command line"},
}


def pick_language(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in TEXT:
        return lang
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "zh-CN"


def install(app: FastAPI, settings: Settings) -> None:
    @app.get("/", include_in_schema=False)
    async def landing(request: Request) -> HTMLResponse:
        lang = pick_language(request)
        return HTMLResponse(_LANDING.format(lang=lang, **TEXT[lang]))
