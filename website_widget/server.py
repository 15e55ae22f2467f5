"""The demo trainer website and the chat widget's files, served by one small aiohttp app.

    GET /                 the demo website, embedding the widget with one script tag
    GET /site.css         the demo website's styles
    GET /widget/...       widget.js, widget.css, vendor/socket.io.min.js (CORS: *, cached)
    GET /health           {"status": "ok"}

`create_app()` returns an ordinary aiohttp Application: a caller can add its own
routes to it (`app.router.add_get(...)`) or pass them as `extra_routes`.

Run it with `.venv/bin/python -m website_widget.server` (settings.HOST and
settings.WEBSITE_PORT; the widget talks to settings.PUBLIC_RASA_URL).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
DEMO_DIR = HERE / "demo"

# widget.js and widget.css keep their names across releases: browsers
# revalidate them after a few minutes (cheap thanks to ETag/Last-Modified).
# The vendored client changes only with a version upgrade.
WIDGET_CACHE = "public, max-age=300"
VENDOR_CACHE = "public, max-age=86400"

SETTINGS_KEY = web.AppKey("website_settings", dict)


def _websocket_origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _heading(trainer_name: str) -> tuple[str, str]:
    """(page heading, brand) for a trainer name, also for the generic default name."""
    name = trainer_name.strip()
    if not name or name.lower().startswith("the ") or "specialist" in name.lower():
        return "Knee pain & movement coaching", "Movement specialist"
    return f"{name} \u2014 movement specialist", name


async def demo_page(request: web.Request) -> web.Response:
    config = request.app[SETTINGS_KEY]
    heading, brand = _heading(config["trainer_name"])
    html = config["template"].render(
        heading=heading, brand=brand, trainer_name=config["trainer_name"], rasa_url=config["rasa_url"]
    )
    rasa = config["rasa_url"]
    # The widget needs no inline script or eval: a strict policy proves it.
    csp = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src 'self' {_origin(rasa)} {_websocket_origin(rasa)}",
            "img-src 'self' data: https:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return web.Response(
        text=html,
        content_type="text/html",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": csp},
    )


async def site_css(request: web.Request) -> web.FileResponse:
    return web.FileResponse(DEMO_DIR / "site.css", headers={"Cache-Control": WIDGET_CACHE})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _widget_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Widget files are embedded on other sites: any origin may load them."""
    if not request.path.startswith("/widget/"):
        return
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status < 400:
        response.headers["Cache-Control"] = VENDOR_CACHE if request.path.startswith("/widget/vendor/") else WIDGET_CACHE


def create_app(
    public_rasa_url: Optional[str] = None,
    trainer_name: Optional[str] = None,
    extra_routes: Iterable[web.AbstractRouteDef] = (),
) -> web.Application:
    """The website app; settings' values for whatever is not given."""
    if public_rasa_url is None or trainer_name is None:
        import settings

        public_rasa_url = public_rasa_url or settings.PUBLIC_RASA_URL
        trainer_name = trainer_name or settings.TRAINER_NAME
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(DEMO_DIR)), autoescape=True, keep_trailing_newline=True
    )
    app = web.Application()
    app[SETTINGS_KEY] = {
        "rasa_url": public_rasa_url.rstrip("/"),
        "trainer_name": trainer_name,
        "template": environment.get_template("index.html"),
    }
    app.on_response_prepare.append(_widget_headers)
    app.router.add_get("/", demo_page)
    app.router.add_get("/site.css", site_css)
    app.router.add_get("/health", health)
    app.router.add_static("/widget/", STATIC_DIR, show_index=False, follow_symlinks=False)
    app.add_routes(list(extra_routes))
    return app


def main(argv: Optional[list] = None) -> None:
    import settings

    parser = argparse.ArgumentParser(description="Serve the demo trainer website and the chat widget.")
    parser.add_argument("--host", default=settings.HOST)
    parser.add_argument("--port", type=int, default=settings.WEBSITE_PORT)
    parser.add_argument("--rasa-url", default=settings.PUBLIC_RASA_URL, help="Rasa as the browser sees it")
    parser.add_argument("--trainer-name", default=settings.TRAINER_NAME)
    args = parser.parse_args(argv)
    from website_widget.invites import invite_routes

    app = create_app(
        args.rasa_url,
        args.trainer_name,
        extra_routes=invite_routes(settings.APP_DB_URL, args.trainer_name, settings.TRAINER_EMAIL),
    )
    print(f"Website with the chat widget on http://{args.host}:{args.port}/ (Rasa at {args.rasa_url})", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
