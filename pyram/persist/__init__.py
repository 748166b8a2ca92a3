"""Persistence: the write-ahead log, checkpoints and recovery of durable databases."""
