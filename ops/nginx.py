"""nginx in front of several replicas (ops/replicas.py): its configuration from ops/nginx.conf.template.

nginx runs as one more service of ops/services.py, in the foreground (`daemon off`), with
its configuration, pid file and temporary folders in a folder of its own (`-p`), and its
error log on stderr (`-e stderr`, so the service's redacting, rotating log keeps it).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from ops import services

NGINX_TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def nginx_binary() -> Optional[str]:
    """Debian's nginx is in /usr/sbin, which a non-root PATH often lacks."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


@dataclass
class ProxyPorts:
    """Where nginx listens and what it passes to; every upstream is on 127.0.0.1."""

    public: str  # host:port
    inbox_public: str
    actions: int  # private: the Rasa replicas' ACTION_ENDPOINT_URL, and nginx's health check
    rasa_api: int  # private: the inbox's RASA_URL
    rasa: List[int]
    action_servers: List[int]
    website: int
    inbox: int


def listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def render_nginx_conf(ports: ProxyPorts, prefix: Path, worker_user: Optional[str]) -> str:
    def servers(port_list: List[int], indent: str = "        ") -> str:
        return "\n".join(f"{indent}server 127.0.0.1:{port};" for port in port_list)

    sticky = []
    for index, port in enumerate(ports.rasa, start=1):
        backups = "".join(f"\n        server 127.0.0.1:{p} backup;" for p in ports.rasa if p != port)
        sticky.append(f"    upstream rasa_{index} {{\n        server 127.0.0.1:{port};{backups}\n    }}")
    cookie = "Path=/socket.io/; HttpOnly; SameSite=Lax"
    values = {
        "user": f"user {worker_user};" if worker_user else "# (not root: the workers run as this user)",
        "prefix": str(prefix),
        "rasa_servers": servers(ports.rasa),
        "sticky_upstreams": "\n".join(sticky),
        "sticky_choices": "\n".join(f"        {i} rasa_{i};" for i in range(1, len(ports.rasa) + 1)),
        # $upstream_addr lists every server tried ("A, B"): the last one answered
        "cookie_values": "\n".join(
            f'        "~:{port}$" "assistant_replica={i}; {cookie}";' for i, port in enumerate(ports.rasa, start=1)
        ),
        "action_servers": servers(ports.action_servers),
        "website": f"127.0.0.1:{ports.website}",
        "inbox": f"127.0.0.1:{ports.inbox}",
        "public_listen": ports.public,
        "inbox_listen": ports.inbox_public,
        "actions_port": str(ports.actions),
        "rasa_api_port": str(ports.rasa_api),
    }
    text = re.sub(r"{{ (\w+) }}", lambda match: values[match.group(1)], NGINX_TEMPLATE.read_text(encoding="utf-8"))
    assert "{{" not in text, "a placeholder of nginx.conf.template was left unfilled"
    return text


def nginx_server(
    ports: ProxyPorts, prefix: Path, log_path: Path, env: Optional[Dict[str, str]] = None
) -> services.Service:
    """nginx with its configuration, pid, temporary files and log in `prefix` (its own folder).

    As root its workers run as `nobody` (nginx's own default, said explicitly), which may then
    enter the folder and owns the temporary ones; as another user the workers run as that user.
    """
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed; run ops/ensure_services.sh")
    prefix.mkdir(parents=True, exist_ok=True)
    worker_user = None
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        worker_user = f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"
        prefix.chmod(0o711)  # the workers pass through to their temporary folders, and read nothing else
        for name in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
            (prefix / name).mkdir(exist_ok=True)
            os.chown(prefix / name, nobody.pw_uid, nobody.pw_gid)
    conf = prefix / "nginx.conf"
    conf.write_text(render_nginx_conf(ports, prefix, worker_user), encoding="utf-8")
    return services.Service(
        name="nginx",
        argv=[binary, "-p", str(prefix), "-c", str(conf), "-e", "stderr"],
        health_url=f"http://127.0.0.1:{ports.actions}/nginx-health",
        log_path=log_path,
        env=env or {},  # its secrets are redacted from the log (a token in an error line)
    )
