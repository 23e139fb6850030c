"""A stance engine for the analysis-pool tests, registered when this module is imported (the pool's
worker processes import it again: `monitor.analysis.pool._start_worker`): the rules engine, except
that in a worker process it kills that process (os._exit) on a sentence naming the Pentagon while the
file `crash_while` exists."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from monitor.analysis.stance.base import EngineOptions, register
from monitor.analysis.stance.rules import RulesEngine
from monitor.domain import ClaimSpec, Judgement


class CrashOptions(EngineOptions):
    crash_while: Path


class CrashingEngine(RulesEngine):
    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        if "Pentagon" in sentence and self.flag.exists() and multiprocessing.parent_process() is not None:
            os._exit(70)
        return super().judge(claim, sentence, context)


@register("crash-test", options=CrashOptions)
def make_crashing_engine(options: CrashOptions) -> CrashingEngine:
    return CrashingEngine(options.crash_while)
