"""Transactions and change events: the API over the store's undo-log transactions.

``transaction`` has :class:`Transaction` and the per-thread :class:`TransactionManager`;
``events`` has :class:`Change` and the :class:`ChangeHub` that delivers committed changes.
"""

from pyram.txn.events import Change, ChangeHub, EventKind
from pyram.txn.transaction import (
    ISOLATION_LEVELS,
    Isolation,
    Transaction,
    TransactionBase,
    TransactionManager,
)

__all__ = [
    "ISOLATION_LEVELS",
    "Change",
    "ChangeHub",
    "EventKind",
    "Isolation",
    "Transaction",
    "TransactionBase",
    "TransactionManager",
]
