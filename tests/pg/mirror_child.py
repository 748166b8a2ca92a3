"""A mirroring process for the crash tests: ``python mirror_child.py PATH DSN SLOT [LSN]``.

It mirrors tables ``log`` and ``kv`` into the durable PyRAM database at PATH (resuming when
the file recorded a position), prints ``ready`` and follows until killed. Given LSN, it waits
until that position is applied, prints the mirrored rows as JSON and stops keeping the slot.
"""

from __future__ import annotations

import json
import sys
import time

import pyram
import pyram.pg as pg


def main() -> None:
    path, dsn, slot = sys.argv[1:4]
    db = pyram.Database(path, durability="normal")
    mirror = pg.mirror(db, dsn, ["log", "kv"], slot=slot, keep_slot=True)
    print("ready", flush=True)
    if len(sys.argv) == 4:
        while True:
            time.sleep(1)
    if not mirror.wait_for(sys.argv[4], timeout=60):
        raise SystemExit(f"not caught up: {mirror.stats()}")
    rows = {t: db.sql(f"SELECT * FROM {t} ORDER BY 1").all() for t in ("log", "kv")}
    print(json.dumps({"rows": rows, "stats": mirror.stats()}), flush=True)
    mirror.stop()
    db.close()


if __name__ == "__main__":
    main()
