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
* :mod:`benchmarks.ecosystem`: pandas ``to_sql``/``read_sql`` through SQLAlchemy;
* :mod:`benchmarks.runner`: verification, timing and repeat budget;
* :mod:`benchmarks.report`: the printed table and the JSON file.
"""
