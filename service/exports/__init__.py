"""Data out: exports of every fact at its finest grain, and the BI read API over the same kinds."""
