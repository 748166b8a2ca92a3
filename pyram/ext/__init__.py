"""Integrations with other libraries, outside PyRAM's core layers: each subpackage imports
PyRAM's public API and its library; nothing in the core imports them."""
