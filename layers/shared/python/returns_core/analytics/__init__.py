"""Seller analytics: counters written with the ledger, and the report read back from them."""
