"""The action server: rasa_sdk's own app, on 127.0.0.1 by default, answering only Rasa.

rasa_sdk listens on every interface and checks no caller, so anyone who could
reach its port could run any action with any tracker (create bookings, open
handoffs, erase data). This entry point binds to ACTION_SERVER_HOST and
requires ACTION_SERVER_TOKEN, which Rasa sends with every call
(endpoints.yml: action_endpoint.token). /health stays open for the launcher.

    python -m bot.action_server --port 5055
"""

from __future__ import annotations

import argparse
import hmac
import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response

import settings

ACTIONS_PACKAGE = "bot.actions"
OPEN_PATHS = ("/health",)


def build_app(token: str) -> Sanic:
    if not token:
        raise ValueError("the action server needs a token (ACTION_SERVER_TOKEN)")
    app = create_app(ACTIONS_PACKAGE, cors_origins=None)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)

    @app.middleware("request")
    async def only_with_the_token(request):
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "a valid token is required"}, status=401)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.ACTION_PORT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    __import__("ops.log_setup", fromlist=["*"]).install_redaction()  # no secrets, contacts or texts in logs
    app = build_app(settings.ACTION_SERVER_TOKEN)
    app.run(settings.ACTION_SERVER_HOST, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
