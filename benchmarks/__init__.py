"""Side-by-side benchmarks of PyRAM against sqlite3 and optional peers.

Run ``python -m benchmarks --help``. Modules, one concern each:

* :mod:`benchmarks.data`: the deterministic data set (tables ``t`` and ``d``, probe keys);
* :mod:`benchmarks.workloads`: the workload catalogue and the :class:`Engine` protocol;
* :mod:`benchmarks.pyram_engine`, :mod:`benchmarks.pyram_sql_engine`,
  :mod:`benchmarks.sqlite_engine`: the engines always run (PyRAM through its DSL, PyRAM
  through ``db.sql``, and the reference);
* :mod:`benchmarks.transactions`: the small transaction of ``small_transactions`` and the
  threaded writer-and-readers harness of ``concurrent_reads`` (with its consistency checks);
* :mod:`benchmarks.peers`: optional peers (duckdb, sqlglot's executor, littletable);
* :mod:`benchmarks.verify`: answer comparison (float tolerant);
* :mod:`benchmarks.memory`: bytes per loaded row;
* :mod:`benchmarks.engine_common`: what the three engine adapters share (a fresh database per
  run; the bulk insert, small transaction and concurrent reads runs built on it);
* :mod:`benchmarks.ecosystem`: pandas ``to_sql``/``read_sql`` through SQLAlchemy;
* :mod:`benchmarks.runner`: verification, timing and repeat budget;
* :mod:`benchmarks.report`: the printed table and the JSON file.

Suites beyond the engine workloads are registered in :mod:`benchmarks.suites` (one line each)
and report :class:`benchmarks.ratios.Ratio` rows (a target and met/missed each), which
:mod:`benchmarks.plot` draws (``--plot``). The write-path suites of issue 11:

* :mod:`benchmarks.write_suite`: ``write_path`` and ``write_load``, size by size;
* :mod:`benchmarks.write_harness`: the shared loaded table, restoring setups, timing rounds
  and the answer check;
* :mod:`benchmarks.write_path`: single-row, in-transaction, bulk, point-read and
  five-statement workloads through the DB-API, ``db.sql``, the DSL and ``db.*``;
* :mod:`benchmarks.write_system`: the writer beside readers, loading a snapshot or a durable
  file, bytes per row.
"""
