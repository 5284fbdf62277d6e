"""The services of the fault matrix (test_fault_matrix.py), started for real, and how to talk to them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import psycopg2

from tests.backend_server import AGENT_TOKEN, BACKEND_PY, ROOT, SERVICE_TOKEN, free_port, wait_for
from tests.e2e.fault_proxy import FaultProxy

MODEL = ROOT / "models" / "current.tar.gz"
BIN = Path(sys.executable).parent
ROTATED_TOKEN = "rotated-service-token-00000002"
CREDIT_CODE = "91350100M000100Y43"
ID_NUMBER = "110101199003071234"
RESULTS: List[Row] = []
"""Read by tests/e2e/conftest.py, which prints the table at the end of the run."""


@dataclass
class Row:
    fault: str
    lost: int
    doubled: int
    told: str
    truthful: bool
    found: bool


class Stack:
    def __init__(self, tmp: Path, dsn: str) -> None:
        self.tmp, self.dsn = tmp, dsn
        self.backend_port, self.proxy_port = free_port(), free_port()
        self.actions_port, self.rasa_port = free_port(), free_port()
        self.proxy = FaultProxy(self.proxy_port, self.backend_port).start()
        self.backend: Optional[subprocess.Popen] = None
        self.actions: Optional[subprocess.Popen] = None
        self.rasa: Optional[subprocess.Popen] = None
        self.workers: List[subprocess.Popen] = []
        self.logs = 0
        self.phones: List[str] = []
        self.bot_env = {
            **os.environ,
            "BACKEND_URL": f"http://127.0.0.1:{self.proxy_port}",
            "DATABASE_URL": dsn,
            "BACKEND_SERVICE_TOKEN": SERVICE_TOKEN,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "OUTBOX_LEASE_SECONDS": "15",
            "OUTBOX_MAX_BACKOFF_SECONDS": "1",
            "OUTBOX_INTERVAL_SECONDS": "0.5",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
        }

    def _start(self, name: str, args: List[str], env: Dict[str, str], cwd: Path = ROOT) -> subprocess.Popen:
        self.logs += 1
        handle = (self.tmp / f"{self.logs:02d}-{name}.log").open("wb")
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)

    # ---------------------------------------------------------------- backend

    def start_backend(self, token: str = SERVICE_TOKEN) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.dsn,
            "BACKEND_PORT": str(self.backend_port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.backend_port}",
            "BACKEND_SERVICE_TOKEN": token,
            "AGENT_TOKENS": f"agent:{AGENT_TOKEN}",
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9"),
        }
        args = [str(BACKEND_PY), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port"]
        self.backend = self._start("backend", [*args, str(self.backend_port)], env, ROOT / "backend")
        wait_for(f"http://127.0.0.1:{self.backend_port}/health", process=self.backend)

    def stop_backend(self) -> None:
        if self.backend is not None:
            self.backend.terminate()
            self.backend.wait(timeout=30)
            self.backend = None

    # ---------------------------------------------------------------- bot side

    def start_actions(self) -> None:
        args = [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)]
        self.actions = self._start("actions", args, self.bot_env)
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", timeout=120, process=self.actions)

    def kill_actions(self) -> None:
        assert self.actions is not None
        self.actions.send_signal(signal.SIGKILL)
        self.actions.wait(timeout=30)

    def pause_actions(self) -> None:
        """The action server hangs: it accepts connections and answers nothing (SIGSTOP)."""
        assert self.actions is not None
        self.actions.send_signal(signal.SIGSTOP)

    def resume_actions(self) -> None:
        assert self.actions is not None
        self.actions.send_signal(signal.SIGCONT)

    def start_rasa(self) -> None:
        (self.tmp / ".data").mkdir(exist_ok=True)
        args = [str(BIN / "python"), "-m", "bot.rasa_server", "run", "--enable-api"]  # as the Procfile starts it
        args += ["--auth-token", "fault-matrix-token", "--port"]
        args += [str(self.rasa_port), "--model", str(MODEL), "--endpoints", str(ROOT / "endpoints.yml")]
        args += ["--credentials", str(ROOT / "credentials.yml")]
        self.rasa = self._start("rasa", args, self.bot_env, self.tmp)
        wait_for(f"http://127.0.0.1:{self.rasa_port}/", timeout=300, process=self.rasa)
        wait_for(f"http://127.0.0.1:{self.rasa_port}/status?token=fault-matrix-token", timeout=300, process=self.rasa)

    @contextmanager
    def outbox_workers(self, count: int = 1) -> Iterator[None]:
        started = [
            self._start("outbox", [sys.executable, "-m", "actions.appeal.outbox"], self.bot_env) for _ in range(count)
        ]
        try:
            yield
        finally:
            for worker in started:
                worker.terminate()
            for worker in started:
                worker.wait(timeout=30)

    def stop(self) -> None:
        for process in (self.rasa, self.actions):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        self.stop_backend()
        self.proxy.stop()

    # ---------------------------------------------------------------- talking

    def say(self, sender: str, message: str, timeout: float = 60) -> str:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "\n".join(r.get("text", "") for r in json.loads(response.read()))

    def fill_appeal(self, sender: str, phone: str) -> str:
        """The appeal up to its summary; the description the user confirmed."""
        self.phones.append(phone)
        description = f"我们公司的施工许可申请交了一个月没人理，法人身份证{ID_NUMBER}，对接人电话{phone}"
        for message, expected in (
            ("我要反映问题：" + description, "审批服务"),
            ("对", "企业"),
            ("黔江某某建设有限公司", "联系人"),
            ("王芳", "手机号"),
            (phone, "统一社会信用代码"),
            (CREDIT_CODE, "确认"),
        ):
            reply = self.say(sender, message)
            assert expected in reply, (message, reply)
        return description

    # ---------------------------------------------------------------- the backend's truth

    def tickets(self, phone: str) -> List[Dict[str, Any]]:
        with closing(psycopg2.connect(self.dsn)) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT number, reference, description, mobile, enterprise_name, contact_name FROM tickets"
                " WHERE mobile = %s",
                (phone,),
            )
            columns = [c.name for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def wait_for_ticket(self, phone: str, timeout: float = 90) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.tickets(phone)
            if found:
                time.sleep(2)  # a second, doubled delivery would show by now
                return self.tickets(phone)
            time.sleep(0.5)
        return []

    def look_up(self, sender: str, given: Optional[str], phone: str) -> str:
        """What the user sees asking for the appeal's progress with what they were given."""
        reply = self.say(sender, "查一下我的诉求进度")
        if "后四位" not in reply:
            # Given nothing (the reply was lost): the conversation knows what it filed.
            reply = self.say(sender, given or "我忘了工单号")
        if "后四位" in reply:
            reply = self.say(sender, phone[-4:])
        return reply


def classify_reply(reply: str) -> tuple[str, Optional[str]]:
    number = re.search(r"QY\d{12,13}", reply)
    reference = re.search(r"CX[2-9A-HJ-NP-Z]{8}", reply)
    if "已受理，工单号" in reply and number:
        return "已受理", number.group(0)
    if "系统恢复后自动提交" in reply and reference:
        return "已保存，恢复后自动提交", reference.group(0)
    if "需要核对" in reply and reference:
        return "已保存，待人工核对", reference.group(0)
    if "没能及时答复" in reply and "已受理" not in reply:  # the turn budget's sentence: it claims nothing
        return "未及时答复，请稍后再发", None
    return ("无回复" if not reply.strip() else "其他：" + reply[:20]), None
