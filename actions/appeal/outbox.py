"""``python -m actions.appeal.outbox``: the outbox worker (a Procfile process).

Delivers queued appeals (``actions.appeal.delivery``) every OUTBOX_INTERVAL_SECONDS.
Several workers may run at once — one per action-server replica — against the shared
PostgreSQL outbox: each row is claimed by one of them (``FOR UPDATE SKIP LOCKED``).
``--once`` delivers what is due and prints the counts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import List

from actions.appeal.delivery import flush
from actions.appeal.store import open_store
from actions.clients.backend import BackendClient
from actions.config import check_environment

log = logging.getLogger("actions.appeal.outbox")


async def watch(interval: float) -> None:
    store = await asyncio.to_thread(open_store)
    client = BackendClient()
    log.info("outbox: delivering queued appeals from %s every %ss", store.description, interval)
    try:
        while True:
            try:
                count = await flush(client, store)
            except Exception:
                log.exception("outbox: round failed")
                count = 0
            if count:
                log.info("outbox: filed %d appeal(s)", count)
            await asyncio.sleep(interval)
    finally:
        await client.close()


async def once() -> str:
    store = await asyncio.to_thread(open_store)
    client = BackendClient()
    try:
        count = await flush(client, store)
    finally:
        await client.close()
    waiting, dead = store.count("pending"), store.count("dead_letter")
    return f"本轮提交 {count} 条；仍在等待 {waiting} 条；已转人工核对（死信队列）{dead} 条"


def main(argv: List[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    check_environment()
    if argv == ["--once"]:
        print(asyncio.run(once()))
        return 0
    asyncio.run(watch(float(os.environ.get("OUTBOX_INTERVAL_SECONDS", "15"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
