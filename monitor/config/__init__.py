"""Configuration: the rules file (`rules.py`, which composes each stage's own options), the runtime
settings from the environment (`settings.py`), and the leaves every stage may use to read YAML values:
`safe_yaml.py` and `durations.py`. Nothing is loaded at import time."""
