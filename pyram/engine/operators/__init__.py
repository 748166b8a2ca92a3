"""Physical operators, one module each; :mod:`.common` and :mod:`.join_output` hold what they
share. Operators are immutable plan-time objects whose ``execute`` yields batches."""
