"""Several Rasa replicas behind nginx: `./assistant run --replicas N`, and the tests' `replicated_assistant`.

What starts (every process on 127.0.0.1 and a free port; only nginx is public):

* the shared stores (`shared_stores`): PostgreSQL for conversations (TRACKER_STORE_URL), records
  (APP_DB_URL) and the knowledge base (KNOWLEDGE_DB_URL), Redis for the conversation locks
  (LOCK_STORE_URL) and the widget's socket.io (SOCKETIO_REDIS_URL). A URL that already names
  such a server is used as it is; for the others a throwaway server of ops/datastores.py is
  started, whose data goes when the run stops;
* N Rasa servers and M action servers (ACTION_SERVERS, default min(N, 2)), the inbox and the website;
* nginx (ops/nginx.conf.template) on PUBLIC_PORT (website, widget, webhooks, Rasa's HTTP API) and
  PUBLIC_INBOX_PORT (the inbox). Plain HTTP goes round-robin to the replicas: any replica can
  take any message, because the conversation is in PostgreSQL and its lock in Redis (atomic:
  bot/redis_lock.py), so two messages of one conversation on two replicas are handled in turn.
  socket.io is sticky: a cookie nginx sets names the replica that answered the browser (a
  long-polling session lives in one process), falling back to another replica when that one
  is down (ip_hash would put everyone behind one address, an office or every test client, on
  one replica). A reply emitted on any replica reaches the browser through Redis
  (bot/channels/website_socketio.py), the trainer's replies from the inbox included.
* The replicas call the action servers through nginx too (a private port): round-robin, and a
  stopped action server is skipped, which a fixed replica-to-action-server pairing would not do.
  The inbox reaches Rasa's HTTP API through nginx's private port as well.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

import settings
from ops import build_steps, services
from ops.datastores import PostgresServer, RedisServer, free_port, postgres_bin
from ops.nginx import ProxyPorts, listen_address, nginx_server
from ops.services import Service

STORE_VARIABLES = ("TRACKER_STORE_URL", "APP_DB_URL", "KNOWLEDGE_DB_URL", "LOCK_STORE_URL")
PUBLIC_VARIABLES = ("PUBLIC_WEBSITE_URL", "PUBLIC_RASA_URL", "PUBLIC_INBOX_URL")


def scheme(url: str) -> str:
    """postgresql, redis, sqlite ... (a driver after "+" left out)."""
    return url.split(":", 1)[0].split("+", 1)[0]


@dataclass
class Stores:
    """The shared stores' URLs (as environment variables) and the throwaway servers started for them."""

    urls: Dict[str, str]
    started: List[object] = field(default_factory=list)  # PostgresServer / RedisServer

    def stop(self) -> None:
        for server in reversed(self.started):
            server.stop()  # type: ignore[attr-defined]


def shared_stores(configured: Mapping[str, str], say: Callable[[str], None] = print) -> Stores:
    """PostgreSQL and Redis URLs: the configured ones where they name such servers, else throwaway servers."""
    urls = {name: configured.get(name, "") for name in STORE_VARIABLES}
    stores = Stores(urls)
    try:
        missing = [name for name in STORE_VARIABLES[:3] if scheme(urls[name]) not in ("postgresql", "postgres")]
        if missing:
            say(f"==> starting a throwaway PostgreSQL for {', '.join(missing)} (its data goes when this run stops)")
            postgres = PostgresServer().start()
            stores.started.append(postgres)
            for name in missing:
                urls[name] = postgres.create_database(name.lower().replace("_url", ""))
            if "KNOWLEDGE_DB_URL" in missing:
                from knowledge.build import build

                vocabulary = settings.ROOT / "knowledge" / "vocabulary.yml"
                build(settings.KNOWLEDGE_SOURCES, urls["KNOWLEDGE_DB_URL"], vocabulary)
        if scheme(urls["LOCK_STORE_URL"]) not in ("redis", "rediss"):
            say("==> starting a throwaway Redis for LOCK_STORE_URL and SOCKETIO_REDIS_URL")
            redis = RedisServer().start()
            stores.started.append(redis)
            urls["LOCK_STORE_URL"] = redis.url
    except BaseException:
        stores.stop()
        raise
    urls["SOCKETIO_REDIS_URL"] = configured.get("SOCKETIO_REDIS_URL") or urls["LOCK_STORE_URL"]
    return stores


@dataclass
class ReplicaSet:
    """N Rasa servers, M action servers, the inbox, the website and nginx, sharing `env`'s stores."""

    model: Path
    replicas: int
    log_dir: Path
    env: Dict[str, str]  # every process's variables: the stores' URLs, secrets, the caller's own
    action_servers: int = 0  # 0: min(replicas, 2)
    public_host: str = "127.0.0.1"
    public_port: int = 0  # 0: a free port
    inbox_port: int = 0
    echo: bool = False
    rasa: List[Service] = field(default_factory=list)
    actions: List[Service] = field(default_factory=list)
    others: List[Service] = field(default_factory=list)  # inbox, website, nginx
    ports: Optional[ProxyPorts] = None
    nginx_prefix: Optional[Path] = None  # nginx's own folder (configuration, pid, temporary files)

    @property
    def public_url(self) -> str:
        return f"http://{self._ports.public}"

    @property
    def inbox_url(self) -> str:
        return f"http://{self._ports.inbox_public}"

    @property
    def replica_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self._ports.rasa]

    @property
    def services(self) -> List[Service]:
        return [*self.actions, *self.rasa, *self.others]

    @property
    def _ports(self) -> ProxyPorts:
        assert self.ports is not None, "start() first"
        return self.ports

    def start(self) -> "ReplicaSet":
        count = max(1, self.action_servers or min(self.replicas, 2))
        self.ports = ProxyPorts(
            public=listen_address(self.public_host, self.public_port or free_port()),
            inbox_public=listen_address(self.public_host, self.inbox_port or free_port()),
            actions=free_port(),
            rasa_api=free_port(),
            rasa=[free_port() for _ in range(self.replicas)],
            action_servers=[free_port() for _ in range(count)],
            website=free_port(),
            inbox=free_port(),
        )
        env = self.process_env()
        log = self.log_dir
        try:
            for index, port in enumerate(self.ports.action_servers, start=1):
                name = f"actions-{index}"
                self.actions.append(services.action_server(port, log / f"{name}.log", env, self.echo, name).start())
            for index, port in enumerate(self.ports.rasa, start=1):
                name = f"rasa-{index}"
                replica = services.rasa_server(self.model, port, log / f"{name}.log", env, self.echo, name, "127.0.0.1")
                self.rasa.append(replica.start())
            self.others.append(services.inbox_server(self.ports.inbox, log / "inbox.log", env, self.echo).start())
            self.others.append(services.website_server(self.ports.website, log / "website.log", env, self.echo).start())
            self.nginx_prefix = Path(tempfile.mkdtemp(prefix="assistant-nginx-"))
            self.others.append(nginx_server(self.ports, self.nginx_prefix, log / "nginx.log", env).start())
        except BaseException:
            self.stop()
            raise
        return self

    def process_env(self) -> Dict[str, str]:
        ports = self._ports
        public, inbox = self.public_url, self.inbox_url
        return {
            "PUBLIC_WEBSITE_URL": public,  # the caller's own public addresses (env) win
            "PUBLIC_RASA_URL": public,
            "PUBLIC_INBOX_URL": inbox,
            **self.env,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports.actions}/webhook",
            "RASA_URL": f"http://127.0.0.1:{ports.rasa_api}",
            "ASSISTANT_HOST": "127.0.0.1",  # the inbox and the website: behind nginx only
            "INBOX_TRUST_PROXY": "true",  # nginx's X-Forwarded-For (login limits per address)
        }

    def wait_healthy(self) -> None:
        for service in self.others:
            service.wait_healthy(60)
        for service in self.actions:
            service.wait_healthy(120)
        for service in self.rasa:
            service.wait_healthy(300)

    def stop(self) -> None:
        services.stop_together(self.services)
        if self.nginx_prefix is not None:
            shutil.rmtree(self.nginx_prefix, ignore_errors=True)

    def watched(self, stores: Optional[Stores] = None) -> List[object]:
        """What ops/supervisor.py restarts when it dies: every process, and the throwaway stores."""
        extra: List[object] = []
        for server in stores.started if stores else []:
            extra.append(RedisWatch(server) if isinstance(server, RedisServer) else PostgresWatch(server))
        return [*extra, *self.services]


class Deployment:
    """`./assistant run --replicas N`: the stores and the replica set, from settings."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.stores: Optional[Stores] = None
        self.stack: Optional[ReplicaSet] = None

    def start(self) -> None:
        configured = {name: getattr(settings, name) for name in (*STORE_VARIABLES, "SOCKETIO_REDIS_URL")}
        self.stores = shared_stores(configured)
        for name, url in self.stores.urls.items():  # this process's jobs (emails, retention) use them too
            setattr(settings, name, url)
            os.environ[name] = url
        public = {name: os.environ[name] for name in PUBLIC_VARIABLES if os.environ.get(name)}
        self.stack = ReplicaSet(
            build_steps.model_path(),
            self.count,
            settings.LOG_DIR,
            {**public, **self.stores.urls},
            settings.ACTION_SERVERS,
            settings.HOST,
            settings.PUBLIC_PORT,
            settings.PUBLIC_INBOX_PORT,
            echo=True,
        )
        print(f"==> starting {self.count} Rasa servers, the action servers, the inbox, the website and nginx")
        self.stack.start().wait_healthy()

    def summary(self, seconds: float, inbox_hint: str, channel_lines: str) -> str:
        assert self.stack is not None and self.stores is not None
        stack, env = self.stack, self.stack.process_env()
        throwaway = [type(server).__name__.replace("Server", "") for server in self.stores.started]
        stores = "throwaway " + " and ".join(throwaway) + " (deleted at stop)" if throwaway else "as configured"
        return f"""
==> the assistant is running: {self.count} Rasa servers behind nginx (started in {seconds:.0f}s)
    website + chat widget:  {env["PUBLIC_WEBSITE_URL"]}/
    trainer's inbox:        {env["PUBLIC_INBOX_URL"]}/  {inbox_hint}
    REST channel:           POST {stack.public_url}/webhooks/rest/webhook  {{"sender": "me", "message": "hi"}}
                            with the API token: Authorization: Bearer <RASA_API_TOKEN> (var/secrets/ unless set)
{channel_lines}
    Rasa servers:           {", ".join(stack.replica_urls)}  (this machine only)
    PostgreSQL and Redis:   {stores}
    logs:                   {settings.LOG_DIR}/  (rasa-N.log, actions-N.log, inbox.log, website.log, nginx.log)
    Ctrl-C stops everything.
"""

    def watched(self) -> List[object]:
        assert self.stack is not None
        return self.stack.watched(self.stores)

    def stop(self) -> None:
        for part in (self.stack, self.stores):
            if part is not None:
                part.stop()


@dataclass
class RedisWatch:
    """A throwaway Redis as the supervisor sees a service (started again on the same port, empty)."""

    server: RedisServer
    name: str = "redis"

    @property
    def log_path(self) -> Path:
        return self.server.base / "redis.log"

    @property
    def process(self) -> Optional[subprocess.Popen]:
        return self.server.process

    def start(self) -> None:
        self.server.start()


@dataclass
class PostgresWatch:
    """A throwaway PostgreSQL as the supervisor sees a service: `pg_ctl restart` keeps its data and options."""

    server: PostgresServer
    name: str = "postgres"

    @property
    def log_path(self) -> Path:
        return self.server.base / "log"

    @property
    def process(self) -> "PostgresWatch":
        return self  # poll() below, as a Popen's

    def poll(self) -> Optional[int]:
        try:
            pid = int((self.server.data / "postmaster.pid").read_text().split()[0])
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return 1  # no pid file, no such process
        return 1 if state in ("Z", "X") else None  # a dead postmaster nobody has reaped yet: dead

    def start(self) -> None:
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        pg_ctl = str((postgres_bin() or Path("/usr/bin")) / "pg_ctl")
        argv = [*run_as, pg_ctl, "-D", str(self.server.data), "-l", str(self.log_path), "-w", "restart"]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)
