"""deploy/ speaks the project's contracts: ports, health paths, endpoints and environment.

Docker and Kubernetes are not run here; these tests load the files as compose, nginx and
the Helm charts will, and check what they promise against the project's own files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PORTS = {"rasa": 5005, "actions": 5055, "backend": 8000}
HEALTH = {"rasa": "/", "actions": "/health", "backend": "/health"}  # DESIGN §3


def _yaml_documents(path: Path) -> List[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def _variables(text: str) -> Set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))


def _env_example() -> Set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def _services(compose: Dict[str, Any], kind: str) -> Dict[str, Dict[str, Any]]:
    return {name: spec for name, spec in compose["services"].items() if re.fullmatch(rf"{kind}-\d+", name)}


def test_two_replicas_of_each_service_and_the_shared_stores(compose: Dict[str, Any]) -> None:
    for kind in ("rasa", "actions", "backend"):
        assert len(_services(compose, kind)) == 2, kind
    assert {"postgres", "redis", "nginx"} <= set(compose["services"])


def test_healthchecks_hit_the_health_endpoints(compose: Dict[str, Any]) -> None:
    for kind in ("rasa", "actions", "backend"):
        for name, spec in _services(compose, kind).items():
            probe = " ".join(spec["healthcheck"]["test"])
            assert f"http://127.0.0.1:{PORTS[kind]}{HEALTH[kind]}'" in probe, name


def test_rasa_replicas_share_postgresql_and_redis(compose: Dict[str, Any]) -> None:
    wanted = _variables((ROOT / "endpoints.production.yml").read_text(encoding="utf-8"))
    for name, spec in _services(compose, "rasa").items():
        assert spec["entrypoint"] == ["python", "-m", "bot.rasa_server"]  # as the Procfile starts Rasa
        command = spec["command"]
        assert command[command.index("--endpoints") + 1] == "endpoints.production.yml", name
        assert command[command.index("--port") + 1] == str(PORTS["rasa"])
        assert command[command.index("--model") + 1] == "models/current.tar.gz"
        assert spec["env_file"] == "../.env"
        environment = spec["environment"]
        assert environment["TRACKER_DB_HOST"] == "postgres" and environment["REDIS_HOST"] == "redis"
        assert environment["ACTION_ENDPOINT_URL"] == f"http://nginx:{PORTS['actions']}/webhook"
        # everything endpoints.production.yml reads is set here or comes from .env
        assert wanted <= set(environment) | _env_example(), wanted - set(environment) - _env_example()


def test_every_variable_compose_reads_is_documented(compose: Dict[str, Any]) -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert _variables(text) <= _env_example(), _variables(text) - _env_example()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## 多机部署" in readme


def test_actions_and_backend_are_reached_through_the_balancer(compose: Dict[str, Any]) -> None:
    for spec in _services(compose, "actions").values():
        assert spec["environment"]["BACKEND_URL"] == f"http://nginx:{PORTS['backend']}"
        assert spec["command"][spec["command"].index("--port") + 1] == str(PORTS["actions"])
        assert spec["entrypoint"] == ["python", "-m", "rasa_sdk"]  # as the Procfile starts the action server
    outbox_volumes = [spec["volumes"][0].split(":")[0] for spec in _services(compose, "actions").values()]
    assert len(set(outbox_volumes)) == 2  # each action-server replica its own outbox file
    for spec in _services(compose, "outbox").values():
        assert spec["volumes"][0].split(":")[0] in outbox_volumes


def test_nginx_balances_round_robin_without_stickiness(compose: Dict[str, Any]) -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert not re.search(r"\b(ip_hash|hash|sticky|least_conn)\b", code)
    for kind, port in PORTS.items():
        block = re.search(rf"upstream {kind} \{{(.*?)\}}", code, re.S)
        assert block, kind
        servers = re.findall(r"server ([\w-]+):(\d+)", block.group(1))
        assert servers == [(name, str(port)) for name in sorted(_services(compose, kind))], kind
        assert re.search(rf"listen {port};\s*location / \{{\s*proxy_pass http://{kind};", code), kind
    assert "proxy_set_header Upgrade $http_upgrade" in code  # the widget's WebSocket channel
    published = {entry.split(":")[-1] for entry in compose["services"]["nginx"]["ports"]}
    assert published == {str(PORTS["rasa"]), str(PORTS["backend"])}  # the action server stays internal


def test_dockerfiles_of_compose_exist_and_bake_the_model(compose: Dict[str, Any]) -> None:
    builds = {spec["build"]["dockerfile"] for spec in compose["services"].values() if "build" in spec}
    assert builds == {"deploy/bot.Dockerfile", "deploy/backend.Dockerfile"}
    for dockerfile in builds:
        assert (ROOT / dockerfile).is_file()
    ignore = (DEPLOY / "bot.Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert "models/*" in ignore and "!models/current.tar.gz" in ignore


def test_helm_values_for_rasa() -> None:
    (values,) = _yaml_documents(DEPLOY / "k8s" / "rasa-values.yaml")
    assert values["replicaCount"] >= 2
    assert values["command"] == ["python", "-m", "bot.rasa_server"]  # as the Procfile starts Rasa
    args = values["args"]
    assert args[:2] == ["run", "--enable-api"]
    assert args[args.index("--endpoints") + 1] == "endpoints.production.yml"
    assert args[args.index("--port") + 1] == str(PORTS["rasa"]) == str(values["applicationSettings"]["port"])
    assert args[args.index("--auth-token") + 1] == "$(RASA_TOKEN)"  # the chart's Secret, never a literal
    assert values["applicationSettings"]["initialModel"] == ""  # nothing downloaded at start
    # the chart's own stores stay off: ours are endpoints.production.yml's, with the project's lock store
    stores = values["applicationSettings"]["endpoints"]
    assert stores["trackerStore"]["enabled"] is False and stores["lockStore"]["enabled"] is False
    endpoints = yaml.safe_load((ROOT / "endpoints.production.yml").read_text(encoding="utf-8"))
    assert endpoints["lock_store"]["type"] == "bot.lock_store.AtomicRedisLockStore"
    for probe in ("livenessProbe", "readinessProbe"):
        assert values[probe]["httpGet"]["path"] == HEALTH["rasa"]
    env = {item["name"] for item in values["extraEnv"]}
    assert _variables((ROOT / "endpoints.production.yml").read_text(encoding="utf-8")) <= env
    actions_url = next(item["value"] for item in values["extraEnv"] if item["name"] == "ACTION_ENDPOINT_URL")
    (action_values,) = _yaml_documents(DEPLOY / "k8s" / "rasa-action-server-values.yaml")
    assert actions_url == f"http://{action_values['fullnameOverride']}/webhook"  # chart Service on port 80
    assert action_values["service"]["port"] == 80


def test_helm_values_for_the_action_server() -> None:
    (values,) = _yaml_documents(DEPLOY / "k8s" / "rasa-action-server-values.yaml")
    assert values["replicaCount"] >= 2
    assert values["applicationSettings"]["port"] == PORTS["actions"]
    assert values["args"][values["args"].index("--port") + 1] == str(PORTS["actions"])
    assert values["command"] == ["python", "-m", "rasa_sdk"]  # as the Procfile starts the action server
    for probe in ("livenessProbe", "readinessProbe"):
        assert values[probe]["httpGet"]["path"] == HEALTH["actions"]
    env = {item["name"]: item for item in values["extraEnv"]}
    assert env["BACKEND_URL"]["value"] == f"http://guide-backend:{PORTS['backend']}"
    assert "secretKeyRef" in env["BACKEND_SERVICE_TOKEN"]["valueFrom"]


def test_backend_manifests() -> None:
    documents = {doc["kind"]: doc for doc in _yaml_documents(DEPLOY / "k8s" / "backend.yaml")}
    assert set(documents) == {"Job", "Deployment", "Service"}
    deployment = documents["Deployment"]["spec"]
    assert deployment["replicas"] >= 2
    (container,) = deployment["template"]["spec"]["containers"]
    assert container["ports"][0]["containerPort"] == PORTS["backend"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH["backend"]
    service = documents["Service"]
    assert service["metadata"]["name"] == "guide-backend"
    assert service["spec"]["selector"] == deployment["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["port"] == PORTS["backend"]
    (setup,) = documents["Job"]["spec"]["template"]["spec"]["containers"]
    assert setup["command"] == ["python", "-m", "app.cli", "setup"]
