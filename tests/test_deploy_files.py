"""The deploy files (deploy/): valid Compose and Kubernetes, and consistent with the project.

Nothing here needs Docker or a cluster. The Compose file is checked against the Compose
Specification's JSON schema and the Kubernetes manifests against Kubernetes v1.29's strict
schemas (both vendored under deploy/schemas/, with their sources and checksums). Then the
deploy files are held to the project: every variable they name is one settings.py reads,
every secret comes from the untracked .env / Secret and none is committed, the commands,
ports and health paths are those of ops/services.py and settings.py's defaults, nginx and
the Ingress keep socket.io sticky, and memory requests are at least what was measured.

Each check is a function returning its problems; a test asserts the real files have none,
and `test_each_check_reports_a_broken_copy` shows each one catches a mutated copy.
`kubectl kustomize` and `nginx -t` also run where installed (`docker compose config` needs the
compose plugin, which Debian does not package; the schema check stands in for it).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SCHEMAS = DEPLOY / "schemas"
K8S_SCHEMAS = SCHEMAS / "kubernetes-v1.29.0-standalone-strict"

# Compose services run from our image (the others are postgres, redis, nginx).
APP_SERVICES = ("setup", "rasa", "actions", "inbox", "website")
COMPOSE_SERVICES = {"postgres", "redis", "setup", "rasa", "actions", "inbox", "website", "nginx"}
SETUP_ARGV = ["python", "manage.py", "setup"]

# Variables of the Compose set-up itself (deploy/.env), read by no Python code.
DEPLOY_ONLY = {"POSTGRES_PASSWORD"}
DEPLOY_ONLY_SECRETS = {"POSTGRES_PASSWORD"}
# Added to settings.py alongside these files (issue 18: python-socketio's Redis manager, so
# a reply emitted by any Rasa replica reaches a browser on another); this entry can go once
# that settings.py is committed.
OPS_NGINX_TEMPLATE = ROOT / "ops" / "nginx.conf.template"  # `./assistant run --replicas N`
# Not secrets in settings.py, but their URLs carry credentials: the Secret holds them.
CREDENTIAL_URLS = {"TRACKER_STORE_URL", "APP_DB_URL", "KNOWLEDGE_DB_URL", "LOCK_STORE_URL", "SOCKETIO_REDIS_URL"}
SECRET_LOOKING_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|_KEY$|HASH")

# Measured resident memory per process, in bytes, and where each figure comes from.
MEASURED_RSS = {
    "rasa": 1.3e9,  # README.md "Performance": Rasa server 1.1-1.3 GB under load (1.16 GB latest)
    "actions": 0.64e9,  # README.md "Performance": action server 0.5-0.64 GB under load
    "inbox": 0.50e9,  # deploy/README.md "Sizing": idle, measured 2026-12-04
    "website": 0.047e9,  # deploy/README.md "Sizing": idle, measured 2026-12-04
}
K8S_SCHEMA_FILES = {
    ("v1", "ConfigMap"): "configmap-v1.json",
    ("v1", "Secret"): "secret-v1.json",
    ("v1", "Service"): "service-v1.json",
    ("apps/v1", "Deployment"): "deployment-apps-v1.json",
    ("batch/v1", "Job"): "job-batch-v1.json",
    ("networking.k8s.io/v1", "Ingress"): "ingress-networking-v1.json",
}


# --- the project's side: settings.py and ops/services.py ---------------------------------


@lru_cache(maxsize=1)
def settings_variables() -> Dict[str, Dict[str, Any]]:
    """{name: {"secret": bool, "default": str | None}} from settings.py's `_env(...)` and `_generated_secret(...)`."""
    tree = ast.parse((ROOT / "settings.py").read_text(encoding="utf-8"))
    found: Dict[str, Dict[str, Any]] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in {"_env", "_generated_secret"} or not node.args:
            continue
        if not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            continue
        secret = node.func.id == "_generated_secret"
        secret |= any(k.arg == "secret" and getattr(k.value, "value", None) is True for k in node.keywords)
        secret |= len(node.args) >= 4 and getattr(node.args[3], "value", None) is True
        default = None
        if node.func.id == "_env" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            default = node.args[1].value
        found[node.args[0].value] = {"secret": secret, "default": default}
    return found


@lru_cache(maxsize=1)
def process_environment_names() -> Set[str]:
    """Keys of settings.rasa_environment(): what ops/services.py gives every process."""
    tree = ast.parse((ROOT / "settings.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "rasa_environment":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Dict):
                    return {k.value for k in inner.value.keys if isinstance(k, ast.Constant)}
    raise AssertionError("settings.rasa_environment() returns no dict literal")


def known_variables() -> Set[str]:
    return set(settings_variables()) | process_environment_names()


def secret_settings() -> Set[str]:
    return {name for name, info in settings_variables().items() if info["secret"]}


def default_port(name: str) -> int:
    return int(settings_variables()[name]["default"])


@dataclass
class Expected:
    argv: List[str]  # with "python" for the interpreter
    port: int
    health_path: str
    port_variable: Optional[str] = None  # the variable ops/services.py sets to the port


def expected_processes(host: str, site_origin: str) -> Dict[str, Expected]:
    """What ops/services.py starts, on settings.py's default ports, as a container would run it."""
    import settings
    from ops import services

    original_host = settings.HOST
    settings.HOST = host  # rasa_server() puts settings.HOST on the command line
    try:
        made = {
            "rasa": services.rasa_server(
                Path("bot/models"), default_port("RASA_PORT"), Path("rasa.log"), env={"SITE_ORIGINS": site_origin}
            ),
            "actions": services.action_server(default_port("ACTION_PORT"), Path("actions.log")),
            "inbox": services.inbox_server(default_port("INBOX_PORT"), Path("inbox.log")),
            "website": services.website_server(default_port("WEBSITE_PORT"), Path("website.log")),
        }
    finally:
        settings.HOST = original_host
    port_variables = {"inbox": "INBOX_PORT", "website": "WEBSITE_PORT"}
    expected = {}
    for name, service in made.items():
        url = urlsplit(service.health_url)
        variable = port_variables.get(name)
        if variable:
            assert service.env[variable] == str(url.port), name
        expected[name] = Expected(["python", *service.argv[1:]], int(url.port), url.path, variable)
    return expected


# --- the deploy files --------------------------------------------------------------------


def read_env_file(text: str) -> Dict[str, str]:
    """KEY=value lines as docker compose reads them (quotes stripped; single quotes literal)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def commented_env_names(text: str) -> Set[str]:
    """Names in commented-out `# NAME=` example lines."""
    return set(re.findall(r"^#\s*([A-Z][A-Z0-9_]*)=", text, flags=re.M))


@dataclass
class Bundle:
    """Everything under deploy/, parsed; the checks read only this, so a test can break a copy."""

    compose: Dict[str, Any]
    env_example_text: str
    k8s: List[Tuple[str, Dict[str, Any]]]  # (file name, object)
    kustomization: Dict[str, Any]
    secrets_example_text: str
    nginx: str
    gitignore: str
    dockerignore: str
    texts: Dict[str, str] = field(default_factory=dict)  # every text file but the schemas

    @property
    def env_example(self) -> Dict[str, str]:
        return read_env_file(self.env_example_text)

    @property
    def secrets_example(self) -> Dict[str, str]:
        return read_env_file(self.secrets_example_text)

    def objects(self, kind: str) -> Dict[str, Dict[str, Any]]:
        return {doc["metadata"]["name"]: doc for _, doc in self.k8s if doc.get("kind") == kind}

    def configmap(self) -> Dict[str, str]:
        return self.objects("ConfigMap")["assistant-config"].get("data") or {}


def load_bundle(deploy: Path = DEPLOY) -> Bundle:
    k8s_dir = deploy / "kubernetes"
    docs = []
    for path in sorted(k8s_dir.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs.extend((path.name, doc) for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc)
    texts = {
        str(path.relative_to(deploy)): path.read_text(encoding="utf-8")
        for path in sorted(deploy.rglob("*"))
        if path.is_file() and "schemas" not in path.relative_to(deploy).parts
    }
    return Bundle(
        compose=yaml.safe_load((deploy / "docker-compose.yml").read_text(encoding="utf-8")),
        env_example_text=(deploy / ".env.example").read_text(encoding="utf-8"),
        k8s=docs,
        kustomization=yaml.safe_load((k8s_dir / "kustomization.yaml").read_text(encoding="utf-8")),
        secrets_example_text=(k8s_dir / "secrets.env.example").read_text(encoding="utf-8"),
        nginx=(deploy / "nginx.conf").read_text(encoding="utf-8"),
        gitignore=(deploy / ".gitignore").read_text(encoding="utf-8"),
        dockerignore=(deploy / "Dockerfile.dockerignore").read_text(encoding="utf-8"),
        texts=texts,
    )


def filled_env(example: Dict[str, str]) -> Dict[str, str]:
    """The example .env with a stand-in for every empty value, as a filled-in deploy/.env would be."""
    return {key: value or f"stand-in-{key.lower()}" for key, value in example.items()}


# --- Compose interpolation (the Compose Specification's rules) -----------------------------

_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*)|(?P<unclosed>\{))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.S)


class MissingVariable(ValueError):
    pass


def interpolate(text: str, env: Dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return env.get(match.group("named"), "")
        if match.group("unclosed"):
            raise ValueError(f"unclosed ${{ in {text!r}")
        parts = _BRACED.fullmatch(match.group("braced"))
        if not parts:
            raise ValueError(f"invalid interpolation ${{{match.group('braced')}}}")
        name, op, arg = parts.group("name"), parts.group("op"), parts.group("arg")
        value = env.get(name)
        if op is None:
            return value or ""
        if op in (":-", "-"):
            return value if (value if op == ":-" else value is not None) else arg
        if op in (":?", "?"):
            if not (value if op == ":?" else value is not None):
                raise MissingVariable(f"{name}: {arg}")
            return value or ""
        return arg if (value if op == ":+" else value is not None) else ""

    return _INTERPOLATION.sub(one, text)


def interpolate_tree(node: Any, env: Dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    return interpolate(node, env) if isinstance(node, str) else node


def service_environment(service: Dict[str, Any]) -> Dict[str, Optional[str]]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict((item.split("=", 1) + [None])[:2] for item in env)  # type: ignore[misc]
    return {key: None if value is None else str(value) for key, value in env.items()}


def rendered_compose(bundle: Bundle) -> Dict[str, Any]:
    return interpolate_tree(bundle.compose, filled_env(bundle.env_example))


# --- schema validation --------------------------------------------------------------------


@lru_cache(maxsize=None)
def load_schema(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def schema_problems(document: Any, schema: Dict[str, Any], where: str) -> List[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{where}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def vendored_schema_problems(schemas: Path = SCHEMAS) -> List[str]:
    """Every vendored schema is listed in deploy/schemas/README.md with its SHA-256, and matches it."""
    listed = dict(
        re.findall(r"^\| `([^`]+)` \|.*\| ([0-9a-f]{64}) \|$", (schemas / "README.md").read_text(), flags=re.M)
    )
    problems = []
    present = {str(path.relative_to(schemas)) for path in schemas.rglob("*.json")}
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: not listed in deploy/schemas/README.md")
    for name, digest in sorted(listed.items()):
        path = schemas / name
        if not path.is_file():
            problems.append(f"{name}: listed but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: SHA-256 differs from deploy/schemas/README.md (edited?)")
    return problems


def compose_schema_problems(bundle: Bundle) -> List[str]:
    schema = load_schema(SCHEMAS / "compose-spec.json")
    problems = schema_problems(bundle.compose, schema, "docker-compose.yml")
    try:
        rendered = rendered_compose(bundle)
    except ValueError as error:
        return problems + [f"docker-compose.yml: interpolation with the example .env: {error}"]
    return problems + schema_problems(rendered, schema, "docker-compose.yml (interpolated)")


def k8s_schema_problems(objects: List[Tuple[str, Dict[str, Any]]]) -> List[str]:
    problems = []
    for where, doc in objects:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in K8S_SCHEMA_FILES:
            problems.append(f"{where}: no vendored schema for {key}")
            continue
        if not (doc.get("metadata") or {}).get("name"):
            problems.append(f"{where}: {key[1]} without metadata.name")
        problems += schema_problems(doc, load_schema(K8S_SCHEMAS / K8S_SCHEMA_FILES[key]), f"{where} {key[1]}")
    return problems


# --- consistency checks -------------------------------------------------------------------


def env_name_problems(bundle: Bundle) -> List[str]:
    """Every variable the deploy files set is one settings.py (or ops/services.py) knows."""
    known = known_variables()
    problems = []
    places: Dict[str, Set[str]] = {
        ".env.example": set(bundle.env_example) | commented_env_names(bundle.env_example_text),
        "kubernetes/secrets.env.example": set(bundle.secrets_example),
        "kubernetes/configmap.yaml": set(bundle.configmap()),
    }
    for name in APP_SERVICES:
        places[f"docker-compose.yml {name}"] = set(service_environment(bundle.compose["services"][name]))
    for where, doc in bundle.k8s:
        for container in _containers(doc):
            places[f"{where} {container['name']}"] = {item["name"] for item in container.get("env") or []}
    for where, names in places.items():
        allowed = known | DEPLOY_ONLY if where == ".env.example" else known
        for name in sorted(names - allowed):
            problems.append(f"{where}: {name} is not a variable of settings.py")
    return problems


_INTERPOLATED_ONLY = r"\$\{{{name}(?::?[?-][^}}]*)?\}}"


def secret_placement_problems(bundle: Bundle) -> List[str]:
    """Secrets come from deploy/.env or the Secret, never from a committed value or the ConfigMap."""
    problems = []
    secrets = secret_settings()
    for name in sorted(secrets - set(bundle.env_example)):
        problems.append(f".env.example: secret {name} missing (compose takes secrets from deploy/.env)")
    for service_name, service in bundle.compose["services"].items():
        env = service_environment(service)
        for name, value in env.items():
            if name in secrets or name in DEPLOY_ONLY_SECRETS or SECRET_LOOKING_NAME.search(name):
                if value is None or not re.fullmatch(_INTERPOLATED_ONLY.format(name=name), value):
                    problems.append(f"docker-compose.yml {service_name}: {name} must be ${{{name}...}} from .env")
            password = re.match(r"^[a-z0-9+]+://[^:/@]*:(?P<pw>[^@]*)@", value or "")
            if password and not re.fullmatch(r"\$\{[A-Z_]+(?::?\?[^}]*)?\}", password.group("pw")):
                problems.append(f"docker-compose.yml {service_name}: {name} has a literal password")
        if service_name in APP_SERVICES and service.get("env_file") not in (".env", [".env"]):
            problems.append(f"docker-compose.yml {service_name}: env_file is not .env")
    secret_keys = set(bundle.secrets_example)
    config = bundle.configmap()
    for name in sorted((secrets | CREDENTIAL_URLS) - secret_keys):
        problems.append(f"kubernetes/secrets.env.example: {name} missing (it belongs in the Secret)")
    for name in sorted(config):
        if name in secrets or name in CREDENTIAL_URLS or SECRET_LOOKING_NAME.search(name):
            problems.append(f"kubernetes/configmap.yaml: {name} is secret; it belongs in the Secret")
    generators = bundle.kustomization.get("secretGenerator") or []
    if not any(g.get("name") == "assistant-secrets" and g.get("envs") == ["secrets.env"] for g in generators):
        problems.append("kubernetes/kustomization.yaml: no secretGenerator assistant-secrets from secrets.env")
    for where, doc in bundle.k8s:
        if doc.get("kind") == "Secret":
            problems.append(f"kubernetes/{where}: a committed Secret (it comes from secrets.env)")
        for container in _containers(doc):
            refs = {
                ("configMapRef" if "configMapRef" in ref else "secretRef"): (ref.get("configMapRef") or {}).get("name")
                or (ref.get("secretRef") or {}).get("name")
                for ref in container.get("envFrom") or []
            }
            if refs != {"configMapRef": "assistant-config", "secretRef": "assistant-secrets"}:
                problems.append(f"kubernetes/{where} {container['name']}: envFrom must be the ConfigMap and Secret")
            for item in container.get("env") or []:
                if (item["name"] in secrets or item["name"] in CREDENTIAL_URLS) and "value" in item:
                    problems.append(f"kubernetes/{where} {container['name']}: {item['name']} has a committed value")
    return problems


_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])")


def looks_secret(value: str) -> bool:
    """A password hash, a key, or a random token (mixed case and digits, 24+ characters)."""
    if re.search(r"pbkdf2_sha256\$\d+\$|-----BEGIN [A-Z ]*PRIVATE KEY", value):
        return True
    return any(
        re.search(r"[a-z]", token) and re.search(r"[A-Z]", token) and re.search(r"\d", token)
        for token in _TOKEN.findall(value)
    )


def committed_secret_problems(bundle: Bundle) -> List[str]:
    """Nothing secret-looking in deploy/; the example files are placeholders; the real ones are ignored."""
    problems = []
    must_be_empty = secret_settings() | DEPLOY_ONLY_SECRETS
    for name, value in bundle.env_example.items():
        if name in must_be_empty and value:
            problems.append(f".env.example: {name} has a value (placeholders only)")
    for name, value in bundle.secrets_example.items():
        if value:
            problems.append(f"kubernetes/secrets.env.example: {name} has a value (placeholders only)")
    for path, text in bundle.texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            if looks_secret(line):
                problems.append(f"{path}:{number}: looks like a secret")
            password = re.search(r"://[^/\s:@]+:(?P<pw>[^@\s/]+)@", line)
            if password and not password.group("pw").startswith(("${", "<")):
                problems.append(f"{path}:{number}: a URL with a literal password")
    ignored = {line.strip() for line in bundle.gitignore.splitlines()}
    for needed in (".env", "kubernetes/secrets.env"):
        if needed not in ignored:
            problems.append(f"deploy/.gitignore does not ignore {needed}")
    excluded = {line.strip() for line in bundle.dockerignore.splitlines()}
    for needed in (".env", "**/.env", "var", "deploy/.env", "deploy/kubernetes/secrets.env"):
        if needed not in excluded:
            problems.append(f"Dockerfile.dockerignore does not exclude {needed}")
    return problems


def _containers(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    if doc.get("kind") not in {"Deployment", "Job"}:
        return []
    return doc["spec"]["template"]["spec"].get("containers") or []


def _k8s_argv(container: Dict[str, Any], config: Dict[str, str]) -> List[str]:
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    return [re.sub(r"\$\(([A-Z_][A-Z0-9_]*)\)", lambda m: config.get(m.group(1), m.group(0)), str(a)) for a in argv]


def _health_url(test: Any) -> Optional[Tuple[int, str]]:
    found = re.search(r"http://127\.0\.0\.1:(\d+)(/[^'\"\s]*)", " ".join(test) if isinstance(test, list) else str(test))
    return (int(found.group(1)), found.group(2)) if found else None


def process_problems(bundle: Bundle) -> List[str]:
    """Commands, ports and health paths: those of ops/services.py on settings.py's default ports."""
    problems = []
    compose = rendered_compose(bundle)
    services = compose["services"]
    app_env = service_environment(services["rasa"])
    expected = expected_processes(app_env.get("ASSISTANT_HOST") or "", app_env.get("SITE_ORIGINS") or "")
    for name in ("RASA_PORT", "ACTION_PORT", "INBOX_PORT", "WEBSITE_PORT"):
        for where, value in (
            ("docker-compose.yml", app_env.get(name)),
            ("configmap.yaml", bundle.configmap().get(name)),
        ):
            if value is not None and int(value) != default_port(name):
                problems.append(f"{where}: {name}={value}, settings.py's default is {default_port(name)}")
    if services["setup"].get("command") != SETUP_ARGV:
        problems.append(f"docker-compose.yml setup: command is not {SETUP_ARGV}")
    for name, want in expected.items():
        service = services[name]
        env = service_environment(service)
        if service.get("command") != want.argv:
            problems.append(f"docker-compose.yml {name}: command {service.get('command')} is not {want.argv}")
        if want.port_variable and env.get(want.port_variable) != str(want.port):
            problems.append(f"docker-compose.yml {name}: {want.port_variable} is not {want.port}")
        if _health_url((service.get("healthcheck") or {}).get("test")) != (want.port, want.health_path):
            problems.append(
                f"docker-compose.yml {name}: healthcheck is not http://127.0.0.1:{want.port}{want.health_path}"
            )
    upstreams = dict(re.findall(r"server\s+(\w+):(\d+);", _nginx_code(bundle.nginx)))
    for name in ("rasa", "website", "inbox"):
        if upstreams.get(name) != str(expected[name].port):
            problems.append(f"nginx.conf: upstream {name} is not {name}:{expected[name].port}")

    config = bundle.configmap()
    expected_k8s = expected_processes(config.get("ASSISTANT_HOST") or "", config.get("SITE_ORIGINS") or "")
    deployments, k8s_services = bundle.objects("Deployment"), bundle.objects("Service")
    for name, want in expected_k8s.items():
        if name not in deployments:
            problems.append(f"kubernetes: no Deployment {name}")
            continue
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        if _k8s_argv(container, config) != want.argv:
            problems.append(f"kubernetes {name}: command {_k8s_argv(container, config)} is not {want.argv}")
        if want.port_variable and config.get(want.port_variable) != str(want.port):
            problems.append(f"kubernetes configmap: {want.port_variable} is not {want.port}")
        if want.port not in [p.get("containerPort") for p in container.get("ports") or []]:
            problems.append(f"kubernetes {name}: containerPort is not {want.port}")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            get = (container.get(probe) or {}).get("httpGet")
            if get is None and probe != "startupProbe":
                problems.append(f"kubernetes {name}: no {probe}")
            elif get is not None and (get.get("path"), get.get("port")) != (want.health_path, want.port):
                problems.append(f"kubernetes {name}: {probe} is not {want.health_path} on {want.port}")
        service = k8s_services.get(name)
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        if service is None:
            problems.append(f"kubernetes: no Service {name}")
        else:
            if any(labels.get(k) != v for k, v in service["spec"]["selector"].items()):
                problems.append(f"kubernetes Service {name}: selector does not match the Deployment's pods")
            if [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] != [(want.port, want.port)]:
                problems.append(f"kubernetes Service {name}: port/targetPort is not {want.port}")
    jobs = bundle.objects("Job")
    if (
        "setup" not in jobs
        or _k8s_argv(jobs["setup"]["spec"]["template"]["spec"]["containers"][0], config) != SETUP_ARGV
    ):
        problems.append(f"kubernetes: no Job setup running {SETUP_ARGV}")
    service_ports = {name: {p["port"] for p in s["spec"]["ports"]} for name, s in k8s_services.items()}
    for ingress_name, ingress in bundle.objects("Ingress").items():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                if backend["port"].get("number") not in service_ports.get(backend["name"], set()):
                    problems.append(f"kubernetes Ingress {ingress_name}: {path['path']} -> no such Service port")
    return problems


def _nginx_code(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def sticky_proxy_problems(bundle: Bundle) -> List[str]:
    """nginx: sticky socket.io (ip_hash), WebSocket upgrade, forwarded headers; the Ingress: cookie affinity."""
    problems = []
    code = _nginx_code(bundle.nginx)
    squeezed = re.sub(r"\s+", " ", code)
    rasa_upstream = re.search(r"upstream rasa \{([^}]*)\}", squeezed)
    if not rasa_upstream or "ip_hash;" not in rasa_upstream.group(1):
        problems.append("nginx.conf: upstream rasa is not sticky (ip_hash)")
    for directive in (
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "map $http_upgrade $connection_upgrade {",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header Host $http_host;",
    ):
        if directive not in squeezed:
            problems.append(f"nginx.conf: missing `{directive}`")
    locations = set(re.findall(r"location (\S+) \{[^}]*?proxy_pass http://(\w+);", squeezed))
    for path, upstream in (
        ("/socket.io/", "rasa"),
        ("/webhooks/rest/", "rasa"),
        ("/webhooks/", "rasa"),
        ("/", "website"),
    ):
        if (path, upstream) not in locations:
            problems.append(f"nginx.conf: location {path} does not go to {upstream}")
    if not re.search(r"listen 8081; location / \{[^}]*proxy_pass http://inbox;", squeezed):
        problems.append("nginx.conf: no server for the inbox on port 8081")
    published = set(rendered_compose(bundle)["services"].get("nginx", {}).get("ports") or [])
    for port, variable, default in ((80, "PUBLIC_PORT", "8080"), (8081, "PUBLIC_INBOX_PORT", "8081")):
        if not re.search(rf"listen {port}[ ;]", squeezed):
            problems.append(f"nginx.conf: does not listen on {port}")
        wanted = f"{bundle.env_example.get(variable, default)}:{port}"
        if wanted not in published:
            problems.append(f"docker-compose.yml nginx: {variable} is not published as {wanted}")
    if OPS_NGINX_TEMPLATE.is_file():  # the same headers as the local replicated run's nginx
        ours = set(re.findall(r"proxy_set_header \S+ \S+;", squeezed))
        theirs = set(
            re.findall(r"proxy_set_header \S+ \S+;", re.sub(r"\s+", " ", _nginx_code(OPS_NGINX_TEMPLATE.read_text())))
        )
        for directive in sorted(theirs - ours):
            problems.append(f"nginx.conf: ops/nginx.conf.template has `{directive}`, this one does not")
    upstream_hosts = set(re.findall(r"server\s+(\w+):\d+;", code))
    for host in sorted(upstream_hosts - set(bundle.compose["services"])):
        problems.append(f"nginx.conf: upstream host {host} is not a compose service")

    socket_io = [
        ingress
        for ingress in bundle.objects("Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
        if path["path"].startswith("/socket.io") and path["backend"]["service"]["name"] == "rasa"
    ]
    if not socket_io:
        problems.append("kubernetes: no Ingress path /socket.io to rasa")
    for ingress in socket_io:
        notes = ingress["metadata"].get("annotations") or {}
        if notes.get("nginx.ingress.kubernetes.io/affinity") != "cookie" or not notes.get(
            "nginx.ingress.kubernetes.io/session-cookie-name"
        ):
            problems.append(f"kubernetes Ingress {ingress['metadata']['name']}: socket.io is not sticky (cookie)")
        if ingress["spec"].get("ingressClassName") != "nginx":
            problems.append(f"kubernetes Ingress {ingress['metadata']['name']}: not ingress-nginx")
    return problems


_DOCKER_UNITS = {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30}  # docker: 1300m is 1300 MiB
_K8S_UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "m": 1e-3}


def to_bytes(quantity: Any, units: Dict[str, float]) -> float:
    parsed = re.fullmatch(r"([\d.]+)\s*([A-Za-z]*)", str(quantity))
    if not parsed or parsed.group(2) not in units:
        raise ValueError(f"not a memory quantity: {quantity!r}")
    return float(parsed.group(1)) * units[parsed.group(2)]


def resource_problems(bundle: Bundle) -> List[str]:
    """Memory requested per replica is at least the measured RSS; limits are above requests."""
    problems = []
    services = rendered_compose(bundle)["services"]
    deployments = bundle.objects("Deployment")
    for name, measured in MEASURED_RSS.items():
        resources = (services[name].get("deploy") or {}).get("resources") or {}
        low = (resources.get("reservations") or {}).get("memory")
        high = (resources.get("limits") or {}).get("memory")
        if low is None or to_bytes(low, _DOCKER_UNITS) < measured:
            problems.append(f"docker-compose.yml {name}: memory reservation {low} below the measured {measured:.3g} B")
        if high is None or low is None or to_bytes(high, _DOCKER_UNITS) < to_bytes(low, _DOCKER_UNITS):
            problems.append(f"docker-compose.yml {name}: memory limit {high} below the reservation")
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        requests = (container.get("resources") or {}).get("requests") or {}
        limits = (container.get("resources") or {}).get("limits") or {}
        if "memory" not in requests or to_bytes(requests["memory"], _K8S_UNITS) < measured:
            problems.append(f"kubernetes {name}: memory request {requests.get('memory')} below the measured RSS")
        if (
            "memory" not in limits
            or "memory" not in requests
            or to_bytes(limits["memory"], _K8S_UNITS) < to_bytes(requests["memory"], _K8S_UNITS)
        ):
            problems.append(f"kubernetes {name}: memory limit {limits.get('memory')} below the request")
    return problems


def topology_problems(bundle: Bundle) -> List[str]:
    """The replicated set-up: its services, replicas, and the variables that make replicas share state."""
    problems = []
    services = rendered_compose(bundle)["services"]
    for name in sorted(COMPOSE_SERVICES - set(services)):
        problems.append(f"docker-compose.yml: no service {name}")
    for name in ("rasa", "actions"):
        if int((services.get(name, {}).get("deploy") or {}).get("replicas") or 1) < 2:
            problems.append(f"docker-compose.yml {name}: fewer than 2 replicas by default")
    deployments = bundle.objects("Deployment")
    if (deployments.get("rasa") or {}).get("spec", {}).get("replicas") != 2:
        problems.append("kubernetes rasa: replicas is not 2")
    listed = set(bundle.kustomization.get("resources") or [])
    files = {where for where, _ in bundle.k8s}
    for name in sorted(files ^ listed):
        problems.append(f"kubernetes/kustomization.yaml: {name} is {'not listed' if name in files else 'missing'}")
    app_env = service_environment(services.get("rasa", {}))
    config, secret_keys = bundle.configmap(), set(bundle.secrets_example)
    for name, prefix in (
        ("TRACKER_STORE_URL", "postgresql"),
        ("APP_DB_URL", "postgresql"),
        ("KNOWLEDGE_DB_URL", "postgresql"),
        ("LOCK_STORE_URL", "redis"),
        ("SOCKETIO_REDIS_URL", "redis"),
    ):
        if not (app_env.get(name) or "").startswith(prefix):
            problems.append(f"docker-compose.yml: {name} is not a {prefix} URL")
        if name not in secret_keys:
            problems.append(f"kubernetes: {name} is not provided (secrets.env)")
    for name in ("ACTION_SERVER_HOST", "ASSISTANT_HOST"):
        if app_env.get(name) != "0.0.0.0":
            problems.append(f"docker-compose.yml: {name} is not 0.0.0.0 (the default 127.0.0.1 is unreachable)")
        if config.get(name) != "0.0.0.0":
            problems.append(f"kubernetes configmap: {name} is not 0.0.0.0")
    for where, env in (("docker-compose.yml", app_env), ("kubernetes configmap", config)):
        if urlsplit(env.get("ACTION_ENDPOINT_URL") or "").hostname != "actions":
            problems.append(f"{where}: ACTION_ENDPOINT_URL does not point at the actions service")
        if urlsplit(env.get("RASA_URL") or "").hostname != "rasa":
            problems.append(f"{where}: RASA_URL does not point at the rasa service")
    return problems


CHECKS: Dict[str, Callable[[Bundle], List[str]]] = {
    "compose schema": compose_schema_problems,
    "kubernetes schemas": lambda b: k8s_schema_problems([(f"kubernetes/{w}", d) for w, d in b.k8s]),
    "variable names": env_name_problems,
    "secret placement": secret_placement_problems,
    "committed secrets": committed_secret_problems,
    "commands, ports, health": process_problems,
    "sticky proxy": sticky_proxy_problems,
    "resources": resource_problems,
    "topology": topology_problems,
}


# --- the tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_bundle()


def test_vendored_schemas_are_the_recorded_files():
    assert vendored_schema_problems() == []


@pytest.mark.parametrize("check", list(CHECKS))
def test_deploy_files_pass(bundle, check):
    assert CHECKS[check](bundle) == []


def _service(b: Bundle, name: str) -> Dict[str, Any]:
    return b.compose["services"][name]


def _deployment_container(b: Bundle, name: str) -> Dict[str, Any]:
    return b.objects("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]


def _set_config(b: Bundle, key: str, value: str) -> None:
    b.configmap()[key] = value


MUTATIONS: List[Tuple[str, Callable[[Bundle], None], str]] = [
    ("compose schema", lambda b: _service(b, "rasa").update(replica=2), "'replica' does not match"),
    ("compose schema", lambda b: _service(b, "rasa")["deploy"].update(replicas=[2]), "replicas"),
    ("compose schema", lambda b: _service(b, "rasa").update(command="x ${BROKEN"), "interpolation"),
    ("kubernetes schemas", lambda b: b.objects("Deployment")["rasa"]["spec"].update(replica=2), "Additional"),
    ("kubernetes schemas", lambda b: _deployment_container(b, "actions").update(ports=[{"port": 1}]), "containerPort"),
    ("kubernetes schemas", lambda b: b.k8s.append(("x.yaml", {"apiVersion": "v1", "kind": "Pod"})), "no vendored"),
    ("variable names", lambda b: _service(b, "rasa")["environment"].update(RASA_PORTT="5005"), "RASA_PORTT"),
    ("variable names", lambda b: _set_config(b, "TRAINER_NAMES", "x"), "TRAINER_NAMES"),
    ("secret placement", lambda b: _set_config(b, "RASA_API_TOKEN", ""), "RASA_API_TOKEN is secret"),
    ("secret placement", lambda b: _service(b, "rasa")["environment"].update(RASA_JWT_SECRET="abc"), "RASA_JWT_SECRET"),
    (
        "secret placement",
        lambda b: _service(b, "rasa")["environment"].update(APP_DB_URL="postgresql://u:pw@postgres/records"),
        "literal password",
    ),
    (
        "secret placement",
        lambda b: setattr(b, "secrets_example_text", b.secrets_example_text.replace("SMTP_PASSWORD=", "")),
        "SMTP_PASSWORD missing",
    ),
    ("secret placement", lambda b: _deployment_container(b, "inbox").pop("envFrom"), "envFrom"),
    (
        "committed secrets",
        lambda b: setattr(b, "secrets_example_text", b.secrets_example_text + "RASA_API_TOKEN=x\n"),
        "has a value",
    ),
    (
        "committed secrets",
        lambda b: b.texts.update({"README.md": "token: " + "aB3" * 12}),
        "looks like a secret",
    ),
    (
        "committed secrets",
        lambda b: b.texts.update({"nginx.conf": "# postgresql://assistant:hunter2@db/x"}),
        "literal password",
    ),
    ("committed secrets", lambda b: setattr(b, "gitignore", ".env\n"), "kubernetes/secrets.env"),
    ("committed secrets", lambda b: setattr(b, "dockerignore", ".git\n"), "var"),
    ("commands, ports, health", lambda b: _service(b, "rasa")["command"].remove("--enable-api"), "rasa: command"),
    ("commands, ports, health", lambda b: _service(b, "actions")["healthcheck"].update(test="x"), "healthcheck"),
    (
        "commands, ports, health",
        lambda b: _deployment_container(b, "rasa")["readinessProbe"]["httpGet"].update(path="/health"),
        "readinessProbe",
    ),
    ("commands, ports, health", lambda b: _set_config(b, "INBOX_PORT", "5081"), "INBOX_PORT"),
    (
        "commands, ports, health",
        lambda b: b.objects("Service")["website"]["spec"]["ports"][0].update(targetPort=80),
        "Service website",
    ),
    ("commands, ports, health", lambda b: setattr(b, "nginx", b.nginx.replace("inbox:5080", "inbox:5000")), "inbox"),
    ("sticky proxy", lambda b: setattr(b, "nginx", b.nginx.replace("ip_hash;", "")), "ip_hash"),
    (
        "sticky proxy",
        lambda b: setattr(b, "nginx", b.nginx.replace("X-Forwarded-For $remote_addr", "X-Forwarded-For $http_x")),
        "X-Forwarded-For",
    ),
    ("sticky proxy", lambda b: _service(b, "nginx")["ports"].pop(), "PUBLIC_INBOX_PORT"),
    (
        "sticky proxy",
        lambda b: setattr(b, "nginx", b.nginx.replace("proxy_set_header Upgrade $http_upgrade;", "")),
        "Upgrade",
    ),
    (
        "sticky proxy",
        lambda b: b.objects("Ingress")["rasa-browser"]["metadata"]["annotations"].pop(
            "nginx.ingress.kubernetes.io/affinity"
        ),
        "not sticky",
    ),
    (
        "resources",
        lambda b: _deployment_container(b, "rasa")["resources"]["requests"].update(memory="1Gi"),
        "rasa: memory request",
    ),
    ("resources", lambda b: _service(b, "actions")["deploy"]["resources"].pop("limits"), "memory limit"),
    ("topology", lambda b: b.compose["services"].pop("redis"), "no service redis"),
    ("topology", lambda b: b.objects("Deployment")["rasa"]["spec"].update(replicas=1), "replicas is not 2"),
    ("topology", lambda b: _service(b, "rasa")["environment"].update(ACTION_SERVER_HOST="127.0.0.1"), "0.0.0.0"),
    ("topology", lambda b: b.kustomization["resources"].remove("ingress.yaml"), "ingress.yaml is not listed"),
]


@pytest.mark.parametrize("check,mutate,expected", MUTATIONS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MUTATIONS)])
def test_each_check_reports_a_broken_copy(bundle, check, mutate, expected):
    broken = copy.deepcopy(bundle)
    mutate(broken)
    problems = CHECKS[check](broken)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.skipif(not OPS_NGINX_TEMPLATE.is_file(), reason="no ops/nginx.conf.template in this checkout")
def test_nginx_headers_are_checked_against_the_local_replicated_run(bundle):
    broken = copy.deepcopy(bundle)
    broken.nginx = broken.nginx.replace("proxy_set_header X-Forwarded-Proto $scheme;", "")
    problems = sticky_proxy_problems(broken)
    assert any("ops/nginx.conf.template has `proxy_set_header X-Forwarded-Proto" in p for p in problems), problems


def test_vendored_schema_check_reports_an_edited_copy(tmp_path):
    copied = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copied)
    path = copied / "kubernetes-v1.29.0-standalone-strict" / "service-v1.json"
    path.write_text(path.read_text().replace('"Service"', '"Servic"'))
    (copied / "unlisted.json").write_text("{}")
    problems = vendored_schema_problems(copied)
    assert any("service-v1.json: SHA-256 differs" in p for p in problems), problems
    assert any("unlisted.json: not listed" in p for p in problems), problems


def test_example_env_files_are_read_like_compose_reads_them():
    assert read_env_file("A=1\n# B=2\nC='x$y'\nD=\n") == {"A": "1", "C": "x$y", "D": ""}
    assert interpolate("${A:-d} ${B:-d} ${A} $$ ${C-e}", {"A": "a", "C": ""}) == "a d a $ "
    with pytest.raises(MissingVariable):
        interpolate("${X:?needed}", {"X": ""})


def test_the_secrets_files_are_ignored_by_git():
    assert shutil.which("git") and (ROOT / ".git").exists(), "the deploy tests run in a git checkout"
    for path in ("deploy/.env", "deploy/kubernetes/secrets.env"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
        assert ignored, f"{path} is not ignored by git"


# --- the real tools, when this machine has them -------------------------------------------


def _deploy_copy(tmp_path: Path) -> Path:
    """deploy/ copied, with filled-in stand-ins for the untracked .env and secrets.env."""
    target = tmp_path / "deploy"
    shutil.copytree(DEPLOY, target, ignore=shutil.ignore_patterns("schemas"))
    example = read_env_file((DEPLOY / ".env.example").read_text())
    lines = [f"{k}='{v}'" for k, v in filled_env(example).items()]
    (target / ".env").write_text("\n".join(lines) + "\n")
    secrets = read_env_file((DEPLOY / "kubernetes" / "secrets.env.example").read_text())
    (target / "kubernetes" / "secrets.env").write_text(
        "\n".join(f"{k}={v}" for k, v in filled_env(secrets).items()) + "\n"
    )
    return target


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl (its built-in kustomize) here")
def test_kustomize_renders_objects_that_match_the_schemas(tmp_path):
    target = _deploy_copy(tmp_path) / "kubernetes"
    result = subprocess.run(["kubectl", "kustomize", str(target)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert k8s_schema_problems([("rendered", doc) for doc in rendered]) == []
    secret = next(doc for doc in rendered if doc["kind"] == "Secret")
    assert set(secret["data"]) == set(read_env_file((DEPLOY / "kubernetes" / "secrets.env.example").read_text()))
    # every workload refers to the generated (hash-suffixed) Secret
    for doc in rendered:
        for container in _containers(doc):
            names = {ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref}
            assert names == {secret["metadata"]["name"]}, doc["metadata"]["name"]
    (target / "ingress.yaml").unlink()
    assert subprocess.run(["kubectl", "kustomize", str(target)], capture_output=True).returncode != 0


def _nginx_test(conf: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    # Outside compose the service names do not resolve: the copy points them at 127.0.0.1.
    text = re.sub(r"server\s+(\w+):(\d+);", r"server 127.0.0.1:\2;", conf.read_text())
    copied = tmp_path / "nginx.conf"
    copied.write_text(text)
    argv = ["nginx", "-t", "-c", str(copied), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    return subprocess.run([*argv, "-g", f"pid {tmp_path / 'nginx.pid'};"], capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="no nginx here")
def test_nginx_accepts_the_config(tmp_path):
    result = _nginx_test(DEPLOY / "nginx.conf", tmp_path)
    assert result.returncode == 0, result.stderr
    broken = tmp_path / "broken.conf"
    broken.write_text((DEPLOY / "nginx.conf").read_text().replace("ip_hash;", "ip_hash"))
    assert _nginx_test(broken, tmp_path).returncode != 0
