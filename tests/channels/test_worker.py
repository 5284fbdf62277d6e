from __future__ import annotations

import asyncio
import threading
import time

from channels.wechat_worker import TurnWorkers


async def test_turns_run_off_the_webhook_loop_and_a_user_stays_on_one_worker() -> None:
    workers = TurnWorkers(count=2)
    seen = []

    async def turn() -> str:
        time.sleep(0.3)  # a synchronous CPU burst, as Rasa's graph runs are
        seen.append(threading.current_thread().name)
        return "done"

    started = time.monotonic()
    pending = asyncio.ensure_future(workers.run("user-a", turn()))
    await asyncio.sleep(0.05)
    assert time.monotonic() - started < 0.2  # this loop was not blocked by the burst
    assert await pending == "done"
    await workers.run("user-a", turn())
    assert len(set(seen)) == 1 and seen[0].startswith("wechat-turns-")
    workers.stop()
