"""The website server: demo page, widget files with CORS and caching, health, extensibility."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from website_widget.server import create_app


def run(app: web.Application, check) -> None:
    async def go():
        async with TestClient(TestServer(app)) as client:
            await check(client)

    asyncio.run(go())


def test_demo_page_embeds_the_widget_with_one_script_tag_pointing_at_rasa():
    async def check(client):
        response = await client.get("/")
        assert response.status == 200
        html = await response.text()
        tags = re.findall(r"<script\b[^>]*>", html)
        assert len(tags) == 1, tags
        assert 'src="/widget/widget.js"' in tags[0]
        assert 'data-server="https://rasa.example.org:5005"' in tags[0]
        assert 'data-trainer="Sam &lt;Carter&gt;"' in tags[0]  # escaped
        assert "Sam &lt;Carter&gt; — movement specialist" in html
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "https://rasa.example.org:5005 wss://rasa.example.org:5005" in policy

    run(create_app("https://rasa.example.org:5005/", "Sam <Carter>"), check)


def test_the_generic_trainer_name_gives_a_sensible_heading():
    async def check(client):
        html = await (await client.get("/")).text()
        assert "<h1>Knee pain &amp; movement coaching</h1>" in html

    run(create_app("http://127.0.0.1:5005", "the movement specialist"), check)


def test_widget_files_are_served_for_any_origin_with_caching():
    async def check(client):
        for path, content_type, cache in [
            ("/widget/widget.js", "javascript", "max-age=300"),
            ("/widget/widget.css", "text/css", "max-age=300"),
            ("/widget/vendor/socket.io.min.js", "javascript", "max-age=86400"),
        ]:
            response = await client.get(path, headers={"Origin": "https://some-trainer.example"})
            assert response.status == 200, path
            assert content_type in response.headers["Content-Type"], path
            assert response.headers["Access-Control-Allow-Origin"] == "*", path
            assert cache in response.headers["Cache-Control"], path
            assert response.headers.get("ETag") or response.headers.get("Last-Modified"), path
        missing = await client.get("/widget/nope.js")
        assert missing.status == 404
        assert (await client.get("/widget/../server.py")).status in (403, 404)
        assert (await client.get("/widget/")).status in (403, 404)  # no directory listing

    run(create_app("http://127.0.0.1:5005", "Sam"), check)


def test_health():
    async def check(client):
        response = await client.get("/health")
        assert response.status == 200 and (await response.json()) == {"status": "ok"}

    run(create_app("http://127.0.0.1:5005", "Sam"), check)


def test_the_app_takes_extra_routes_and_routes_added_later():
    async def invite(request):
        return web.Response(text=f"invite {request.match_info['token']}", content_type="text/calendar")

    async def later(request):
        return web.Response(text="later")

    async def check(client):
        response = await client.get("/invite/abc123.ics")
        assert response.status == 200 and await response.text() == "invite abc123"
        assert await (await client.get("/later")).text() == "later"

    app = create_app("http://127.0.0.1:5005", "Sam", extra_routes=[web.get("/invite/{token}.ics", invite)])
    app.router.add_get("/later", later)
    run(app, check)


def test_the_vendored_socket_io_client_is_there_with_its_licence():
    from website_widget.server import STATIC_DIR

    client = (STATIC_DIR / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    assert client.startswith("/*!\n * Socket.IO v4.")
    assert "MIT License" in (STATIC_DIR / "vendor" / "socket.io-client.LICENSE").read_text(encoding="utf-8")
