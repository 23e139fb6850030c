"""Ledger: evidence over time. Groups articles into stories, sentences into statements and speakers
into independent sources, replays a claim's statements into positions and a status, and drafts the
alerts its events call for. Pure functions over domain values: storing and sending happen elsewhere."""
