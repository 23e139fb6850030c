"""Analysis: one article against the tracked claims. Splits sentences, matches topics and claims,
judges each candidate sentence's stance (`stance/`), and says who said it (attribution). Pure: no
database, no network."""
