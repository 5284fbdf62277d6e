"""Past one machine: two Rasa replicas and two action servers sharing a PostgreSQL tracker store and a
Redis lock store, behind a sticky-free round-robin proxy (as nginx in deploy/compose.yaml).

Messages of the same conversations alternate between the replicas; the conversation must go on
as if there were one server: every turn answered and stored once, in order, with its slots.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List

import pytest

from tests.backend_server import ROOT, SERVICE_TOKEN, free_port, running_backend, wait_for
from tests.e2e.replica_proxy import RoundRobinProxy
from tests.e2e.test_rest_conversation import BIN, MODEL, TOKEN, _start, production_stores

REPLICAS = 2


@dataclass
class Cluster:
    proxy: RoundRobinProxy
    replicas: List[str]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test-e2e does)")
    tmp = tmp_path_factory.mktemp("replicas")
    with production_stores() as store_env, running_backend(tmp) as backend, ExitStack() as stack:
        replicas, processes = [], []
        for index in range(REPLICAS):
            actions_port, rasa_port = free_port(), free_port()
            env = {
                **os.environ,
                **store_env,
                "BACKEND_URL": backend,
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONPATH": str(ROOT),
                "BACKEND_SERVICE_TOKEN": SERVICE_TOKEN,
                "OUTBOX_PATH": str(tmp / f"outbox-{index}.db"),
            }
            actions = _start(
                [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                env,
                tmp / f"actions-{index}.log",
            )
            rasa = _start(
                [
                    # as the Procfile and deploy/ start Rasa
                    *[str(BIN / "python"), "-m", "bot.rasa_server", "run", "--enable-api", "--auth-token", TOKEN],
                    *["--port", str(rasa_port)],
                    *["--model", str(MODEL), "--endpoints", str(ROOT / "endpoints.production.yml")],
                    *["--credentials", str(ROOT / "credentials.yml")],
                ],
                env,
                tmp / f"rasa-{index}.log",
            )
            processes += [(actions, f"http://127.0.0.1:{actions_port}/health"), (rasa, None)]
            replicas.append(f"http://127.0.0.1:{rasa_port}")

        def stop() -> None:
            for process, _health in processes:
                process.terminate()
            for process, _health in processes:
                process.wait(timeout=30)

        stack.callback(stop)
        try:
            for process, health in processes:
                if health:
                    wait_for(health, timeout=120, process=process)
            for (process, _health), url in zip(processes[1::2], replicas, strict=True):
                wait_for(f"{url}/status?token={TOKEN}", timeout=600, process=process)
        except Exception:
            for log in sorted(tmp.glob("*.log")):
                print(f"--- {log.name} ---\n" + log.read_text("utf-8", "replace")[-3000:])
            raise
        with RoundRobinProxy(replicas) as proxy:
            yield Cluster(proxy, replicas)


def say(url: str, sender: str, message: str) -> str:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        replies = json.loads(response.read())
    return "\n".join(r.get("text", "") for r in replies)


def tracker(url: str, sender: str) -> Dict[str, Any]:
    query = urllib.parse.urlencode({"token": TOKEN})
    with urllib.request.urlopen(f"{url}/conversations/{sender}/tracker?{query}", timeout=30) as response:
        return dict(json.loads(response.read()))


def user_texts(state: Dict[str, Any]) -> List[str]:
    return [event.get("text") or "" for event in state["events"] if event["event"] == "user"]


def turns(state: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
    """The events of each user turn: the user event and everything up to the next one."""
    result: List[List[Dict[str, Any]]] = []
    for event in state["events"]:
        if event["event"] == "user":
            result.append([event])
        elif result:
            result[-1].append(event)
    return result


GUIDE = [
    ("我想在黔江开一家火锅店，需要办哪些手续", "开办餐饮店"),
    ("个体户", "店里是否售卖酒类"),
    ("不卖酒", "经营场所建筑面积"),
    ("大概两百平米", "户外招牌"),
    ("要挂招牌", "本人"),
    ("本人办", "食品经营许可"),
]
APPEAL = [
    ("我要反映问题：我们公司的施工许可申请交了一个月没人理", "审批服务"),
    ("对", "企业"),
    ("黔江某某建设有限公司", "联系人"),
    ("王芳", "手机号"),
    ("13800138000", "统一社会信用代码"),
    ("跳过", "确认"),
    ("确认提交", "个工作日内"),
]


def mask_mobile(text: str) -> str:
    return "138****8000" if text == "13800138000" else text


def test_interleaved_conversations_keep_order_and_slots_across_replicas(cluster: Cluster) -> None:
    ids = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in ("guide", "appeal", "second")}
    scripts = {"guide": GUIDE, "appeal": APPEAL, "second": GUIDE}
    first_served = len(cluster.proxy.served)
    # Strict interleaving of three conversations through a two-way round robin: each
    # conversation's consecutive turns land on alternate replicas.
    for step in range(max(len(script) for script in scripts.values())):
        for name, script in scripts.items():
            if step < len(script):
                message, expected = script[step]
                reply = say(cluster.proxy.url, ids[name], message)
                assert expected in reply, f"{name} turn {step + 1} ({message}): {reply}"
        if step == 3:  # mid-form: what replica A stored, replica B reads back
            slots = tracker(cluster.replicas[1], ids["appeal"])["slots"]
            assert slots["enterprise_name"] == "黔江某某建设有限公司"
            assert slots["contact_name"] == "王芳"

    served = cluster.proxy.served[first_served:]
    for name, sender in ids.items():
        upstreams = [item.upstream for item in served if item.sender == sender]
        assert set(upstreams) == set(cluster.replicas), f"{name} did not alternate replicas: {upstreams}"
        # Once an appeal is submitted the tracker store masks its personal data (README 个人信息保护).
        stored = [mask_mobile(message) if name == "appeal" else message for message, _ in scripts[name]]
        for replica in cluster.replicas:  # both replicas see the same, complete, ordered conversation
            state = tracker(replica, sender)
            assert user_texts(state) == stored
            assert all(turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen" for turn in turns(state))
    guide_slots = tracker(cluster.replicas[0], ids["guide"])["slots"]
    assert guide_slots["guide_bundle"] == "catering"


def test_a_burst_of_one_conversation_is_processed_one_turn_at_a_time(cluster: Cluster) -> None:
    """Four messages of one sender at once, spread over both replicas: the Redis lock store serialises them.

    With Rasa's own RedisLockStore both replicas could take the same ticket and answer at once; one
    turn was then answered but not stored (bot/lock_store.py).
    """
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    say(cluster.proxy.url, sender, "你好")
    # single-turn questions only: whatever order the lock gives them, each has its own answer
    messages = ["市场监管局电话多少", "谢谢", "你是机器人吗", "再见"]
    first_served = len(cluster.proxy.served)
    with ThreadPoolExecutor(max_workers=len(messages)) as pool:
        replies = list(pool.map(lambda message: say(cluster.proxy.url, sender, message), messages))
    assert all(reply.strip() for reply in replies)
    assert {item.upstream for item in cluster.proxy.served[first_served:]} == set(cluster.replicas)

    state = tracker(cluster.replicas[0], sender)
    texts = user_texts(state)
    assert texts[0] == "你好" and sorted(texts[1:]) == sorted(messages)  # none lost, none doubled
    for turn in turns(state):  # no two turns interleaved: each ends with the bot listening again
        assert any(event["event"] == "bot" for event in turn), turn[0]["text"]
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen"
