"""PyRAM: a pure-Python in-memory relational database with a typed, ORM-style query builder."""
