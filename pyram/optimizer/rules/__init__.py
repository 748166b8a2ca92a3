"""One module per optimizer rule (verb_object), each with ``name`` and ``apply(plan, ctx)``."""
