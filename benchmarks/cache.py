"""Cache tables against cachetools and sqlite3 (issue 12).

A registered suite of ``python -m benchmarks`` (``--only cache``); alone:
``python -m benchmarks.cache [--rows N] [--ops N]``. One run measures, side by side:

* ``mixed``: a trace of Zipf-distributed keys (s = 1.1) over ``N`` keys, 90% reads and 10%
  writes, into a cache of ``N / 10`` entries with a TTL that expires entries during the run.
  PyRAM uses ``db.get_or_load`` and ``db.upsert`` on a ``ttl=..., max_rows=..., evict="lru"``
  table; cachetools a ``TTLCache`` and an ``LRUCache`` holding the same rows as tuples;
  sqlite3 a table with an expiry column and an access column (both indexed), expired rows
  deleted every 1,000 operations and the least recently used row deleted past capacity. The
  time is a logical clock (one millisecond per operation) given to all three, so they expire
  the same entries. Reported: operations per second, hit ratio, and exact LRU's hit ratio.
* ``hit``: a read of a key the cache holds (``get_or_load`` vs ``TTLCache`` get-or-load).
  Target: at most 1.5x cachetools' time.
* ``write_evict``: writing a new key into a full cache, which evicts one (``upsert`` vs
  ``TTLCache.__setitem__``). Target: at most 3x.
* ``bytes``: bytes per cached entry (``tracemalloc`` over filling the cache, rows included).
  Target: no more than cachetools'.
* ``paths``: the same hit and write through every path a user reaches, beside sqlite3 (the
  mixed trace's table: a select by key and the access column's update for a hit; an
  ``INSERT OR REPLACE`` and, past capacity, the least recently used row's delete for a
  write): ``db.get``, a cached DSL query (``db.first`` of a ``pyram.param``), ``db.sql`` and
  a DB-API cursor for hits; ``db.sql`` and the cursor's ``INSERT OR REPLACE`` for writes (the
  DSL has no statement inserting values; its writes take ``db.*``). No target: the figures
  show what each path adds.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
import tracemalloc
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cachetools

import pyram
from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult

__all__ = ["CacheResult", "format_cache", "run_cache", "run_suite"]

KEYS = 100_000
OPS = 200_000
ZIPF_S = 1.1
TICK = 0.001  # logical seconds per operation
SQLITE_SWEEP_EVERY = 1_000


def _model(ttl: float, capacity: int) -> type[Any]:
    @pyram.table(name="entry", ttl=ttl, max_rows=capacity, evict="lru")
    class Entry(pyram.Table):
        key: pyram.Col[int] = pyram.column(primary_key=True)
        name: pyram.Col[str]
        score: pyram.Col[float]

    return Entry


def _row(key: int) -> tuple[int, str, float]:
    """The backing store: what a miss loads."""
    return key, f"name-{key}", key * 0.5


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class CacheResult:
    """One engine's figures on the mixed trace (and the micro-measures for the first two)."""

    engine: str
    ops_per_s: float
    hit_ratio: float
    hit_us: float | None = None
    write_evict_us: float | None = None
    bytes_per_entry: float | None = None


def zipf_trace(keys: int, length: int, seed: int) -> list[tuple[bool, int]]:
    """(is_write, key) pairs: Zipf(s) keys, popularity shuffled over the key space."""
    rng = random.Random(seed)
    weights = [1.0 / rank**ZIPF_S for rank in range(1, keys + 1)]
    order = list(range(keys))
    rng.shuffle(order)
    picks = rng.choices(range(keys), weights=weights, k=length)
    return [(rng.random() < 0.1, order[p]) for p in picks]


def exact_lru_ratio(trace: list[tuple[bool, int]], capacity: int) -> float:
    cache: OrderedDict[int, None] = OrderedDict()
    hits = reads = 0
    for is_write, key in trace:
        if not is_write:
            reads += 1
            hits += key in cache
        if key in cache:
            cache.move_to_end(key)
        else:
            cache[key] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits / reads


# ---------------------------------------------------------------------------- engines


def _pyram_mixed(trace: list[tuple[bool, int]], capacity: int, ttl: float) -> CacheResult:
    clock = _Clock()
    model = _model(ttl, capacity)
    db = pyram.Database(clock=clock)
    db.create(model)
    get_or_load = db.get_or_load
    upsert = db.upsert

    def load(key: int) -> Any:
        return model(*_row(key))

    started = time.perf_counter()
    for is_write, key in trace:
        clock.now += TICK
        if is_write:
            upsert(model(*_row(key)))
        else:
            get_or_load(model, key, load)
    elapsed = time.perf_counter() - started
    stats = db.stats()["entry"]
    return CacheResult("pyram", len(trace) / elapsed, stats.hit_ratio)


def _ttlcache_mixed(
    trace: list[tuple[bool, int]], capacity: int, ttl: float, lru_only: bool
) -> CacheResult:
    clock = _Clock()
    cache: Any = (
        cachetools.LRUCache(capacity)
        if lru_only
        else cachetools.TTLCache(capacity, ttl, timer=clock)
    )
    hits = reads = 0
    get = cache.get
    started = time.perf_counter()
    for is_write, key in trace:
        clock.now += TICK
        if is_write:
            cache[key] = _row(key)
            continue
        reads += 1
        value = get(key)
        if value is None:
            cache[key] = _row(key)
        else:
            hits += 1
    elapsed = time.perf_counter() - started
    name = "cachetools LRUCache" if lru_only else "cachetools TTLCache"
    return CacheResult(name, len(trace) / elapsed, hits / reads)


def _sqlite_cache() -> sqlite3.Connection:
    """sqlite3's cache table: an expiry column and an access column, both indexed."""
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute(
        "CREATE TABLE entry (key INTEGER PRIMARY KEY, name TEXT, score REAL, "
        "expires REAL NOT NULL, used REAL NOT NULL)"
    )
    con.execute("CREATE INDEX entry_expires ON entry (expires)")
    con.execute("CREATE INDEX entry_used ON entry (used)")
    return con


def _sqlite_mixed(trace: list[tuple[bool, int]], capacity: int, ttl: float) -> CacheResult:
    con = _sqlite_cache()
    now = 0.0
    count = hits = reads = 0
    select = "SELECT key, name, score FROM entry WHERE key = ? AND expires > ?"
    upsert = "INSERT OR REPLACE INTO entry VALUES (?, ?, ?, ?, ?)"
    evict = "DELETE FROM entry WHERE key = (SELECT key FROM entry ORDER BY used LIMIT 1)"
    started = time.perf_counter()
    for i, (is_write, key) in enumerate(trace):
        now += TICK
        if i % SQLITE_SWEEP_EVERY == 0:
            count -= con.execute("DELETE FROM entry WHERE expires <= ?", (now,)).rowcount
        if not is_write:
            reads += 1
            found = con.execute(select, (key, now)).fetchone()
            if found is not None:
                hits += 1
                con.execute("UPDATE entry SET used = ? WHERE key = ?", (now, key))
                continue
        existed = con.execute("SELECT 1 FROM entry WHERE key = ?", (key,)).fetchone()
        con.execute(upsert, (*_row(key), now + ttl, now))
        if existed is None:
            count += 1
            if count > capacity:
                con.execute(evict)
                count -= 1
    elapsed = time.perf_counter() - started
    return CacheResult("sqlite3", len(trace) / elapsed, hits / reads)


# ---------------------------------------------------------------------------- micro-measures


def _best_us(run: Callable[[], int], repeat: int = 5) -> float:
    """Microseconds per operation of the best of ``repeat`` runs (``run`` returns its ops)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        ops = run()
        best = min(best, (time.perf_counter() - started) / ops)
    return best * 1e6


Pair = tuple[float, float]


def _micro(capacity: int, ttl: float) -> tuple[Pair, Pair, Pair]:
    """(PyRAM, TTLCache) pairs: microseconds per hit, microseconds per write that evicts,
    and bytes per entry."""
    keys = list(range(capacity))
    random.Random(1).shuffle(keys)
    clock = _Clock()
    model = _model(ttl * 1e6, capacity)  # nothing expires meanwhile
    db = pyram.Database(clock=clock)
    db.create(model)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    db.insert_many([model(*_row(k)) for k in keys])
    pyram_bytes = (tracemalloc.get_traced_memory()[0] - before) / capacity
    before = tracemalloc.get_traced_memory()[0]
    cache: Any = cachetools.TTLCache(capacity, ttl * 1e6, timer=clock)
    for k in keys:
        cache[k] = _row(k)
    ttl_bytes = (tracemalloc.get_traced_memory()[0] - before) / capacity
    tracemalloc.stop()

    def load(key: int) -> Any:
        return model(*_row(key))

    get_or_load = db.get_or_load
    get = cache.get

    def pyram_hits() -> int:
        for k in keys:
            get_or_load(model, k, load)
        return len(keys)

    def ttl_hits() -> int:
        for k in keys:
            if get(k) is None:
                cache[k] = _row(k)
        return len(keys)

    fresh = iter(range(capacity, 10**9))

    def pyram_writes() -> int:
        upsert = db.upsert
        for _ in range(len(keys) // 4):
            upsert(model(*_row(next(fresh))))
        return len(keys) // 4

    def ttl_writes() -> int:
        for _ in range(len(keys) // 4):
            k = next(fresh)
            cache[k] = _row(k)
        return len(keys) // 4

    hits = (_best_us(pyram_hits), _best_us(ttl_hits))
    writes = (_best_us(pyram_writes), _best_us(ttl_writes))
    return hits, writes, (pyram_bytes, ttl_bytes)


def _per_path(capacity: int) -> dict[str, dict[str, float]]:
    """us per hit and per write that evicts, by path (``paths`` in the module docstring)."""
    keys = list(range(capacity))
    random.Random(2).shuffle(keys)
    model = _model(1e9, capacity)  # nothing expires meanwhile
    db = pyram.Database(clock=_Clock())
    db.create(model)
    db.insert_many([model(*_row(k)) for k in keys])
    cursor = pyram.connect(db).cursor()
    select = "SELECT key, name, score FROM entry WHERE key = ?"
    write = "INSERT OR REPLACE INTO entry VALUES (?, ?, ?)"
    by_key = model.select().where(model.key.eq(pyram.param("k", int)))
    fresh = iter(range(capacity, 10**9))
    batch = len(keys) // 4

    def hits(read: Callable[[int], object]) -> Callable[[], int]:
        def run() -> int:
            for k in keys:
                read(k)
            return len(keys)
        return run

    def writes(store: Callable[[int], object]) -> Callable[[], int]:
        def run() -> int:
            for _ in range(batch):
                store(next(fresh))
            return batch
        return run

    def cursor_read(k: int) -> object:
        cursor.execute(select, (k,))
        return cursor.fetchone()

    get, first, sql = db.get, db.first, db.sql
    out = {
        "db.*": {"hit": _best_us(hits(lambda k: get(model, k))),
                 "write": _best_us(writes(lambda k: db.upsert(model(*_row(k)))))},
        "DSL": {"hit": _best_us(hits(lambda k: first(by_key, k=k)))},
        "db.sql": {"hit": _best_us(hits(lambda k: sql(select, (k,)).all())),
                   "write": _best_us(writes(lambda k: sql(write, _row(k))))},
        "DB-API": {"hit": _best_us(hits(cursor_read)),
                   "write": _best_us(writes(lambda k: cursor.execute(write, _row(k))))},
    }
    held = db.sql("SELECT count(*) FROM entry").all()[0][0]
    if not 0 < held <= capacity:  # every path's writes evicted: the limit held
        raise RuntimeError(f"cache paths: the table holds {held} rows, capacity {capacity}")
    out["sqlite3"] = _sqlite_paths(keys, capacity)
    return out


def _sqlite_paths(keys: list[int], capacity: int) -> dict[str, float]:
    """sqlite3's hit and write that evicts, as the mixed trace runs them."""
    con = _sqlite_cache()
    con.executemany("INSERT INTO entry VALUES (?, ?, ?, 1e18, ?)",
                    [(*_row(k), float(i)) for i, k in enumerate(keys)])
    clock = [float(len(keys))]
    select = "SELECT key, name, score FROM entry WHERE key = ? AND expires > ?"
    touch = "UPDATE entry SET used = ? WHERE key = ?"
    upsert = "INSERT OR REPLACE INTO entry VALUES (?, ?, ?, 1e18, ?)"
    evict = "DELETE FROM entry WHERE key = (SELECT key FROM entry ORDER BY used LIMIT 1)"
    fresh = iter(range(capacity, 10**9))
    batch = len(keys) // 4

    def hits() -> int:
        for k in keys:
            clock[0] += 1
            if con.execute(select, (k, clock[0])).fetchone() is not None:
                con.execute(touch, (clock[0], k))
        return len(keys)

    def writes() -> int:
        for _ in range(batch):
            k = next(fresh)
            clock[0] += 1
            con.execute(upsert, (*_row(k), clock[0]))
            con.execute(evict)  # every key is new: the table is one past capacity
        return batch

    return {"hit": _best_us(hits), "write": _best_us(writes)}


def run_cache(keys: int, ops: int, log: Callable[[str], None], seed: int = 12) -> dict[str, Any]:
    """Every measurement of the suite, as JSON-ready data."""
    capacity = max(1, keys // 10)
    ttl = ops * TICK / 4  # entries written in the first quarter of the run expire in it
    log(f"cache: trace of {ops:,} ops over {keys:,} keys, capacity {capacity:,}")
    trace = zipf_trace(keys, ops, seed)
    results = [
        _pyram_mixed(trace, capacity, ttl),
        _ttlcache_mixed(trace, capacity, ttl, lru_only=False),
        _ttlcache_mixed(trace, capacity, ttl, lru_only=True),
        _sqlite_mixed(trace, capacity, ttl),
    ]
    log("cache: micro-measures")
    hits, writes, sizes = _micro(capacity, ttl)
    log("cache: every path")
    paths = _per_path(capacity)
    return {
        "keys": keys,
        "ops": ops,
        "capacity": capacity,
        "ttl_s": ttl,
        "exact_lru_hit_ratio": exact_lru_ratio(trace, capacity),
        "mixed": [r.__dict__ for r in results],
        "hit_us": {"pyram": hits[0], "ttlcache": hits[1]},
        "write_evict_us": {"pyram": writes[0], "ttlcache": writes[1]},
        "bytes_per_entry": {"pyram": sizes[0], "ttlcache": sizes[1]},
        "paths": paths,
    }


def format_cache(data: dict[str, Any]) -> str:
    """The suite's table, as docs/cache.md shows it."""
    lines = [
        f"cache: {data['ops']:,} ops (90% reads, Zipf s={ZIPF_S}) over {data['keys']:,} keys, "
        f"capacity {data['capacity']:,}, ttl {data['ttl_s']:g} s of a 1 ms/op clock",
        "",
        "| engine | ops/s | hit ratio |",
        "| --- | ---: | ---: |",
    ]
    for r in data["mixed"]:
        lines.append(f"| {r['engine']} | {r['ops_per_s']:,.0f} | {r['hit_ratio']:.3f} |")
    lines.append(f"| exact LRU (no TTL) | | {data['exact_lru_hit_ratio']:.3f} |")
    hit, write, size = data["hit_us"], data["write_evict_us"], data["bytes_per_entry"]
    lines += [
        "",
        "| measure | PyRAM | cachetools TTLCache | ratio | target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| hit (us) | {hit['pyram']:.2f} | {hit['ttlcache']:.2f} | "
        f"{hit['pyram'] / hit['ttlcache']:.2f}x | <= 1.5x |",
        f"| write with eviction (us) | {write['pyram']:.2f} | {write['ttlcache']:.2f} | "
        f"{write['pyram'] / write['ttlcache']:.2f}x | <= 3x |",
        f"| bytes per entry | {size['pyram']:.0f} | {size['ttlcache']:.0f} | "
        f"{size['pyram'] / size['ttlcache']:.2f}x | <= 1x |",
    ]
    paths = data.get("paths")
    if paths:
        lite = paths["sqlite3"]
        lines += [
            "",
            "| path | hit (us) | vs sqlite3 | write with eviction (us) | vs sqlite3 |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for path, cell in paths.items():
            hit_cell = f"{cell['hit']:.2f} | {cell['hit'] / lite['hit']:.2f}x"
            write_cell = (f"{cell['write']:.2f} | {cell['write'] / lite['write']:.2f}x"
                          if "write" in cell else "- | -")
            lines.append(f"| {path} | {hit_cell} | {write_cell} |")
    return "\n".join(lines)


def run_suite(context: SuiteContext) -> SuiteResult:
    """The suite entry point (``benchmarks.suites``)."""
    keys = 20_000 if context.quick else KEYS
    ops = 40_000 if context.quick else OPS
    data = run_cache(keys, ops, context.log, context.seed)
    capacity = data["capacity"]
    hit, write, size = data["hit_us"], data["write_evict_us"], data["bytes_per_entry"]
    note = "baseline: cachetools TTLCache"
    ratios = [
        Ratio("cache_hit", "db.get_or_load", capacity, 1, "us/op", hit["pyram"],
              hit["ttlcache"], 1.5, "<= 1.5x", note),
        Ratio("cache_write_evict", "db.upsert", capacity, 1, "us/op", write["pyram"],
              write["ttlcache"], 3.0, "<= 3x", note),
        Ratio("cache_bytes", "table", capacity, 1, "bytes/row", size["pyram"],
              size["ttlcache"], 1.0, "<= 1x", note),
    ]
    lite = data["paths"]["sqlite3"]
    for path, cell in data["paths"].items():
        if path == "sqlite3":
            continue
        for measure in ("hit", "write"):
            if measure in cell:
                ratios.append(Ratio(f"cache_{measure}_by_path", path, capacity, 1, "us/op",
                                    cell[measure], lite[measure]))
    return SuiteResult(format_cache(data), data, ratios)


def main(argv: list[str] | None = None) -> int:
    """Run the cache suite alone."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cache")
    parser.add_argument("--rows", type=int, default=KEYS, help=f"keys ({KEYS:,})")
    parser.add_argument("--ops", type=int, default=OPS, help=f"operations ({OPS:,})")
    args = parser.parse_args(argv)
    data = run_cache(args.rows, args.ops, lambda m: print(m, file=sys.stderr))
    print(format_cache(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
