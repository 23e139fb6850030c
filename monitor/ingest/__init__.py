"""Ingest: sources -> documents -> articles. Polls folders and feeds (`sources/`), fetches over HTTP,
parses feed bodies and files, makes articles with their dates and outlets, and fingerprints them for
dedupe. Knows nothing of claims, stances or the ledger."""
