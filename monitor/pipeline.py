"""Polling: one source at a time, or a whole cycle of sources on a bounded pool of workers.

For each source: lease it (monitor.store.leases: one worker polls a source at a time, also across
processes on PostgreSQL), poll it (a folder listing, a conditional GET), then for each item that is
new or changed: read it as an article, dedupe it and analyse it (outside any write transaction), then
store the article, evidence, status changes and alerts in one transaction, holding the locks of the
claims it touches, and send the alerts. The source's new state (URL, validators) is stored only after
all its items were handled, so a crash or a stop in between makes the next poll see the same items
again, and they are then unchanged. Health (failures, backoff, alerts) is updated, and the lease
released, after every poll.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from monitor.analysis.analyzer import Analysis
from monitor.app import App, EngineUnavailable
from monitor.domain import Article, ArticleVerdict, RawDocument
from monitor.ingest.article import to_article, year_is_guess
from monitor.ingest.dedupe import fingerprint, sentence_key
from monitor.ingest.health import HealthEvent, backoff_seconds, health_event, next_after_success
from monitor.ingest.sources import Failure, Item, SourceError, SourceOptions, SourceState, UnreadableItem
from monitor.ingest.urls import url_identity
from monitor.ledger import alerts, stories
from monitor.notify.dispatch import DispatchStats
from monitor.notify.targets import plan_alert
from monitor.store import leases
from monitor.store import repository as repo
from monitor.store.db import unit_of_work
from monitor.store.models import SourceRow, utcnow

log = logging.getLogger(__name__)


@dataclass
class ArticleReport:
    """What one new or edited article brought, for progress output."""

    source: str
    key: str
    title: str
    verdicts: tuple[ArticleVerdict, ...]
    new_alerts: int
    duplicate_of: int | None = None
    updated: bool = False
    dropped: tuple[str, ...] = ()
    """Claims whose entities it names but whose topic rules all rejected it."""


@dataclass
class PassStats:
    """Counts for one poll of one source, or summed over a cycle."""

    polled: int = 0
    fetched: int = 0
    not_modified: int = 0
    skipped: int = 0
    busy: int = 0
    source_errors: int = 0
    items: int = 0
    unchanged: int = 0
    new_articles: int = 0
    updated: int = 0
    duplicates: int = 0
    failed: int = 0
    evidence: int = 0
    dropped: int = 0
    """Articles that named a claim's entities but that no topic rule of that claim accepted."""
    alerts: int = 0
    dispatch: DispatchStats = field(default_factory=DispatchStats)

    def add(self, other: PassStats) -> None:
        for f in fields(self):
            if f.name != "dispatch":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.dispatch += other.dispatch

    def line(self) -> str:
        d = self.dispatch
        return (
            f"{self.polled} source(s) polled: {self.fetched} fetched, {self.not_modified} not modified, "
            f"{self.skipped} backing off, "
            + (f"{self.busy} being polled by another worker, " if self.busy else "")
            + f"{self.source_errors} failed; {self.items} item(s): "
            f"{self.new_articles} new article(s), {self.updated} updated, {self.duplicates} duplicate(s), "
            f"{self.unchanged} unchanged, {self.failed} failed; {self.evidence} evidence sentence(s); "
            f"{self.alerts} new alert(s); deliveries: {d.sent} sent, {d.failed} failed"
            + (f", {d.unknown} unknown" if d.unknown else "")
            + (
                f"; {self.dropped} article(s) named a claim's entities but no topic rule accepted them: "
                "see `monitor explain`"
                if self.dropped
                else ""
            )
        )


Reporter = Callable[[ArticleReport], None]
StopCheck = Callable[[], bool]


def run_pass(app: App, report: Reporter | None = None, should_stop: StopCheck = lambda: False) -> PassStats:
    """Poll every source once (due or not), send alerts, retry failed deliveries; for `run --once`."""
    stats = run_cycle(app, app.rules.sources, report=report, should_stop=should_stop, only_due=False)
    stats.alerts += check_silence(app)
    stats.dispatch += app.dispatch()
    return stats


def check_silence(app: App) -> int:
    """Write silence alerts for quiet claims (`ledger.silence`); returns how many."""
    with unit_of_work(app.sessions) as session:
        return app.tracker.silence(session, utcnow())


def run_cycle(
    app: App,
    sources: Sequence[SourceOptions],
    *,
    report: Reporter | None = None,
    should_stop: StopCheck = lambda: False,
    only_due: bool = True,
) -> PassStats:
    """Poll `sources` on up to `polling.workers` threads (per-host limits apply inside the fetcher).

    The sources are leased in one transaction (their leases renewed until their polls end), and the
    outcomes of the polls that stored nothing (a 304, a feed with nothing new) are written together in
    one transaction at the end: a pass over feeds that did not change costs two write transactions, not
    two per source. Were the process to die before that, those sources are only polled again."""
    total = PassStats()
    lock = threading.Lock()
    names = [options.name for options in sources]
    with unit_of_work(app.sessions) as session:
        claimed = leases.claim(
            session,
            owner=app.worker,
            names=names,
            now=utcnow(),
            ttl=app.rules.polling.lease,
            limit=len(names),
            only_due=only_due,
        )
    leased = {lease.name: lease for lease in claimed}
    quiet: list[_Outcome] = []
    # Each lease is renewed from the claim until its outcome is written: at the end of its poll, or,
    # for a quiet poll, with the others at the end of the cycle.
    holds = {lease.source_id: contextlib.ExitStack() for lease in claimed}

    def one(options: SourceOptions) -> None:
        lease = leased.get(options.name)
        if lease is None:
            stats = _not_leased(app, options)
        else:
            deferred = len(quiet)
            stats = poll_leased(app, options, lease, report=report, should_stop=should_stop, quiet=quiet)
            if not any(o.source_id == lease.source_id for o in quiet[deferred:]):
                holds[lease.source_id].close()  # released with its outcome
        with lock:
            total.add(stats)

    workers = min(app.rules.polling.workers, max(len(sources), 1))
    try:
        for lease in claimed:
            holds[lease.source_id].enter_context(app.leases.hold(lease.source_id))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
            for future in [pool.submit(one, options) for options in sources]:
                future.result()
    finally:
        try:
            _record_outcomes(app, quiet)
        finally:
            for hold in holds.values():
                hold.close()
    return total


def _not_leased(app: App, options: SourceOptions) -> PassStats:
    """A source this worker could not lease: held by another worker, or not due."""
    with app.read_sessions() as session:
        other = leases.holder(session, name=options.name, now=utcnow())
    stats = PassStats()
    if other is not None:
        log.info("source=%s is being polled by worker %s; skipped", options.name, other)
        stats.busy += 1
    else:
        stats.skipped += 1
    return stats


def poll_source(
    app: App,
    options: SourceOptions,
    *,
    report: Reporter | None = None,
    should_stop: StopCheck = lambda: False,
    only_due: bool = True,
) -> PassStats:
    """Lease one source and poll it (`only_due`: only if it is due). Skipped when another worker
    holds its lease. Never raises for a source or item error: they are logged, counted and reflected
    in the source's health."""
    now = utcnow()
    with unit_of_work(app.sessions) as session:
        claimed = leases.claim(
            session,
            owner=app.worker,
            names=[options.name],
            now=now,
            ttl=app.rules.polling.lease,
            limit=1,
            only_due=only_due,
        )
    if claimed:
        return poll_leased(app, options, claimed[0], report=report, should_stop=should_stop)
    return _not_leased(app, options)


def claim_due(app: App, *, limit: int) -> list[leases.Lease]:
    """Lease up to `limit` of the configured sources that are due (or asked for), most overdue first."""
    with unit_of_work(app.sessions) as session:
        return leases.claim(
            session,
            owner=app.worker,
            names=[s.name for s in app.rules.sources],
            now=utcnow(),
            ttl=app.rules.polling.lease,
            limit=limit,
        )


def poll_leased(
    app: App,
    options: SourceOptions,
    lease: leases.Lease,
    *,
    report: Reporter | None = None,
    should_stop: StopCheck = lambda: False,
    quiet: list[_Outcome] | None = None,
) -> PassStats:
    """Poll a source this worker has leased, keeping the lease renewed meanwhile; the lease is released
    with the poll's outcome (appended to `quiet` instead, when given, if the poll succeeded without
    storing anything: the caller writes those together)."""
    stats = PassStats(polled=1)
    started = time.monotonic()
    state: SourceState | None = None
    error: str | None = None
    retry_after: float | None = None
    with app.leases.hold(lease.source_id):
        try:
            poll = options.build(app.fetcher.stopping_on(should_stop)).poll(lease.state)
            if poll.not_modified:
                stats.not_modified += 1
            else:
                stats.fetched += 1
            if poll.note:
                log.warning("source=%s problem=%r (entries still read)", options.name, poll.note)
            complete = _handle_items(
                app, lease.source_id, options.name, poll.items, stats, report, should_stop
            )
            state = poll.state if complete else None
        except EngineUnavailable:
            raise  # not this source's problem: the pass stops
        except SourceError as exc:
            if should_stop():  # cut short by the stop (a fetch in flight is abandoned): not a failure
                log.info("source=%s poll stopped: %s", options.name, exc.reason)
                with unit_of_work(app.sessions) as session:
                    leases.release_if_held(session, source_id=lease.source_id, owner=app.worker)
                return stats
            error, retry_after = exc.reason, exc.retry_after
        except Exception as exc:  # a bug in one source must not stop the others
            log.exception("source=%s poll crashed", options.name)
            error = f"unexpected error: {exc!r}"
        stats.source_errors += error is not None
        outcome = _Outcome(
            options,
            lease.source_id,
            ok=error is None,
            state=state,
            error=error,
            retry_after=retry_after,
            seconds=time.monotonic() - started,
        )
        stored = stats.new_articles + stats.updated + stats.duplicates + stats.failed + stats.alerts
        if quiet is not None and outcome.ok and not stored:
            quiet.append(outcome)  # list.append is atomic: the polling threads share `quiet`
        else:
            _record_outcomes(app, [outcome])
    return stats


BATCH = 50
"""Changed items stored per transaction. When a batch fails, its items are stored again one by one, so
a bad item costs only itself (and is tried again on the next poll)."""


@dataclass(frozen=True)
class Prepared:
    """A document read as an article, with its dedupe keys and, unless it looked like a duplicate of a
    stored article, its analysis: everything slow is done before the write transaction opens."""

    document: RawDocument
    article: Article
    fingerprint: str
    url_key: str | None
    analysis: Analysis | None


@dataclass
class _Work:
    """A new or changed item, read: its documents, or why it could not be read."""

    item: Item
    known: bool
    previous_article: int | None
    documents: list[RawDocument] = field(default_factory=list)
    error: str | None = None
    prepared: list[Prepared] = field(default_factory=list)


def _handle_items(
    app: App,
    source_id: int,
    source: str,
    items: Iterable[Item | Failure],
    stats: PassStats,
    report: Reporter | None,
    should_stop: StopCheck,
) -> bool:
    """Handle every item; True when all were handled (none left for a retry, no stop)."""
    complete = True
    for chunk in _chunks(items, BATCH):
        offered = []
        for entry in chunk:
            stats.items += 1
            if isinstance(entry, Failure):
                stats.failed += 1
                log.warning("source=%s item=%s skipped: %s", source, entry.key, entry.reason)
            else:
                offered.append(entry)
        with app.read_sessions() as session:  # a read: on SQLite it takes no write lock
            known = repo.item_states(session, source_id=source_id, keys=[i.key for i in offered])
        work = []
        for item in offered:
            previous = known.get(item.key)
            if previous is not None and previous[0] == item.content_hash:
                stats.unchanged += 1
                continue
            if should_stop():
                complete = False
                break
            work.append(_read(source, item, previous))
        alerts_before = stats.alerts
        complete &= _store_batch(app, source_id, source, work, stats, report)
        if stats.alerts > alerts_before:  # send at once: an alert should not wait for the whole poll
            stats.dispatch += app.dispatch(retry=False)
        if not complete and should_stop():
            return False
    return complete


def _chunks(items: Iterable[Item | Failure], size: int) -> Iterable[list[Item | Failure]]:
    chunk: list[Item | Failure] = []
    for entry in items:
        chunk.append(entry)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read(source: str, item: Item, previous: tuple[str, int | None] | None) -> _Work:
    work = _Work(item, known=previous is not None, previous_article=previous[1] if previous else None)
    try:
        work.documents = item.read()
    except Exception as exc:  # one bad file must never stop the others
        work.error = (
            str(exc) if isinstance(exc, UnreadableItem) else f"unexpected error while reading: {exc!r}"
        )
        log.warning("source=%s item=%s skipped: %s", source, item.key, work.error)
    return work


def _store_batch(
    app: App, source_id: int, source: str, work: list[_Work], stats: PassStats, report: Reporter | None
) -> bool:
    """Analyse the batch, then store it in one transaction; on failure, each item on its own (and an
    item that failed alone once more: a concurrent worker may have stored the same article between
    the check and the insert, which the database refused; the retry sees it stored). False if any
    item failed."""
    prepared = _prepare(app, source, work, stats)
    stored = (
        _store_prepared(app, source_id, source, prepared, stats, report, attempts=2) if prepared else True
    )
    return stored and len(prepared) == len(work)


def _store_prepared(
    app: App,
    source_id: int,
    source: str,
    work: list[_Work],
    stats: PassStats,
    report: Reporter | None,
    *,
    attempts: int,
) -> bool:
    scratch = PassStats()
    reports: list[ArticleReport] = []
    try:
        with unit_of_work(app.sessions) as session:
            repo.lock_claims(session, claim_ids=_claims_touched(app, work))
            for w in work:
                _store_work(app, session, source_id, w, scratch, reports.append)
    except Exception as exc:
        if len(work) > 1:
            return all(
                [_store_prepared(app, source_id, source, [w], stats, report, attempts=attempts) for w in work]
            )
        if attempts > 1 and isinstance(exc, IntegrityError | DBAPIError):
            log.info("source=%s item=%s: %s; storing it again", source, work[0].item.key, type(exc).__name__)
            return _store_prepared(app, source_id, source, work, stats, report, attempts=attempts - 1)
        stats.failed += 1
        log.exception("source=%s item=%s failed during storage; will retry", source, work[0].item.key)
        return False
    stats.add(scratch)
    if report:
        for r in reports:
            report(r)
    return True


def _prepare(app: App, source: str, work: list[_Work], stats: PassStats) -> list[_Work]:
    """Read the items' documents as articles, look up which are already stored (a read), then analyse
    the others all at once (`App.analyze_many`: on the analysis worker processes). Returns the items
    that are ready to store, in order; one whose reading or analysis crashed is counted as failed and
    left out (tried again on the next poll)."""
    documents: list[tuple[int, RawDocument, Article, str, str | None, bool]] = []
    broken: set[int] = set()
    with app.read_sessions() as session:
        for i, w in enumerate(work):
            try:
                edited = w.previous_article
                for document in w.documents:
                    article, digest, url_key, duplicate = _identify(session, document, edited=edited)
                    documents.append((i, document, article, digest, url_key, duplicate))
                    edited = None
            except Exception:
                broken.add(i)
                log.exception("source=%s item=%s failed during analysis; will retry", source, w.item.key)
    to_analyze = [d[2] for d in documents if not d[5] and d[0] not in broken]
    results = iter(app.analyze_many(to_analyze))
    for i, document, article, digest, url_key, duplicate in documents:
        if i in broken:
            continue
        result = None if duplicate else next(results)
        if isinstance(result, BaseException):
            broken.add(i)
            log.error(
                "source=%s item=%s failed during analysis; will retry",
                source,
                work[i].item.key,
                exc_info=result,
            )
            continue
        work[i].prepared.append(Prepared(document, article, digest, url_key, result))
    stats.failed += len(broken)
    return [w for i, w in enumerate(work) if i not in broken]


def _identify(
    session: Session, document: RawDocument, *, edited: int | None
) -> tuple[Article, str, str | None, bool]:
    """The document as an article, its dedupe keys, and whether a stored article has its text or
    link (never for an edit)."""
    article = to_article(document)
    digest = fingerprint(article)
    url_key = url_identity(article.url) if article.url else None
    duplicate = edited is None and repo.find_article(session, fingerprint=digest, url_key=url_key) is not None
    return article, digest, url_key, duplicate


def prepare_document(app: App, session: Session, document: RawDocument, *, edited: int | None) -> Prepared:
    """The document as an article with its dedupe keys, analysed unless a stored article has its text
    or link (`session` only reads)."""
    article, digest, url_key, duplicate = _identify(session, document, edited=edited)
    analysis = None if duplicate else app.analyzer.analyze(article)
    return Prepared(document, article, digest, url_key, analysis)


def _claims_touched(app: App, work: list[_Work]) -> list[str]:
    """The claims whose ledgers storing `work` replays: those with a verdict, or all for an edit."""
    if any(w.previous_article is not None for w in work):
        return [c.id for c in app.rules.claims]
    return [v.claim_id for w in work for p in w.prepared if p.analysis for v in p.analysis.verdicts]


def _store_work(
    app: App, session: Session, source_id: int, work: _Work, stats: PassStats, report: Reporter
) -> None:
    item = work.item
    article_id = None
    if work.error is not None:  # recorded: read again only when the item changes
        stats.failed += 1
    else:
        edited = work.previous_article
        for prepared in work.prepared:
            article_id = store_document(app, session, prepared.document, stats, edited, report, prepared)
            edited = None  # only a single-document item can be an edit of its previous article
    repo.record_item(
        session,
        source_id=source_id,
        key=item.key,
        content_hash=item.content_hash,
        article_id=article_id,
        error=work.error,
        known=work.known,
    )


def store_document(
    app: App,
    session: Session,
    document: RawDocument,
    stats: PassStats,
    edited: int | None = None,
    report: Reporter | None = None,
    prepared: Prepared | None = None,
) -> int:
    """Store one document as a new article, link it to an existing one, or update an edited one.
    `prepared`: its article and analysis, made beforehand (`prepare_document`); the dedupe checks are
    made again here, in the write transaction, and decide."""
    if prepared is None:
        prepared = prepare_document(app, session, document, edited=edited)
    article, digest, url_key = prepared.article, prepared.fingerprint, prepared.url_key
    if edited is None:
        existing = repo.find_article(session, fingerprint=digest, url_key=url_key)
        if existing is not None:
            stats.duplicates += 1
            if report:
                report(
                    ArticleReport(article.source, article.key, article.title, (), 0, duplicate_of=existing)
                )
            return existing
    else:
        same_text = repo.find_article(session, fingerprint=digest, url_key=None)
        if same_text is not None and same_text != edited:  # edited into a copy of another article
            stats.duplicates += 1
            return same_text
    analysis = prepared.analysis
    if analysis is None:  # it looked like a duplicate a moment ago: analysed now, its claims locked
        analysis = app.analyzer.analyze(article)
        repo.lock_claims(session, claim_ids=[v.claim_id for v in analysis.verdicts])
    if edited is not None:
        repo.replace_article(
            session, article_id=edited, article=article, fingerprint=digest, topics=analysis.topics
        )
        article_id = edited
        stats.updated += 1
    else:
        article_id = repo.add_article(
            session, article=article, fingerprint=digest, url_key=url_key, topics=analysis.topics
        )
        stats.new_articles += 1
    if _place_in_story(session, article, article_id, new=edited is None) or edited is not None:
        app.tracker.forget()  # what the ledgers read of stored evidence changed: they replay from the store
    for verdict in analysis.verdicts:
        _record_verdict(session, article, article_id, verdict, stats)
    if analysis.dropped:
        stats.dropped += 1
        log.info("article %s/%s: topic rules dropped %s", article.source, article.key, analysis.dropped)
    # an edit may have taken evidence away: then every claim is replayed
    touched = (
        [c.id for c in app.rules.claims] if edited is not None else [v.claim_id for v in analysis.verdicts]
    )
    new_alerts = sum(app.tracker.update(session, claim_id, article_id=article_id) for claim_id in touched)
    stats.alerts += new_alerts
    if report:
        report(
            ArticleReport(
                article.source,
                article.key,
                article.title,
                analysis.verdicts,
                new_alerts,
                updated=edited is not None,
                dropped=analysis.dropped,
            )
        )
    return article_id


STORY_WINDOW = timedelta(days=30)
"""Copies and rewrites of a story are looked for among articles published this close to it: the
candidates a band lookup returns grow with the store, and a reprint a year later is news again. An
article whose year is a guess from its file time looks at any time: its date says nothing yet, and its
story may date it (monitor.ledger.statements)."""


def _place_in_story(session: Session, article: Article, article_id: int, *, new: bool = False) -> bool:
    """Join the story of the first stored near-duplicate (a reprint or rewrite), else start one
    (`new`: the article has no story rows yet). True when it joined a story and now comes first in it
    (published earlier): its outlet then speaks for the story's unattributed sentences, in every
    claim's ledger."""
    signature = stories.signature(article.text.removeprefix(article.title))  # a new headline is no new story
    bands = stories.band_keys(signature)
    story_id = article_id
    window = None if year_is_guess(article.date_origin) else STORY_WINDOW  # a guessed year: any time
    candidates = repo.story_candidates(session, bands=bands, published=article.published, window=window)
    for candidate, candidate_story, stored in candidates:
        if candidate != article_id and stories.same_story(signature, stories.Signature.from_bytes(stored)):
            story_id = candidate_story
            break
    repo.set_story(
        session,
        article_id=article_id,
        story_id=story_id,
        signature=signature.to_bytes(),
        bands=bands,
        replace=not new,
    )
    return story_id != article_id and repo.story_first(session, story_id=story_id) == article_id


def _record_verdict(
    session: Session, article: Article, article_id: int, verdict: ArticleVerdict, stats: PassStats
) -> None:
    repo.add_evidence(
        session,
        article_id=article_id,
        article=article,
        items=verdict.evidence,
        sentence_keys=[sentence_key(e.sentence.text) for e in verdict.evidence],
    )
    repo.set_verdict(
        session,
        article_id=article_id,
        claim_id=verdict.claim_id,
        stance=verdict.stance,
        confidence=verdict.confidence,
    )
    stats.evidence += len(verdict.evidence)


@dataclass(frozen=True)
class _Outcome:
    """How a poll of a leased source ended, to store with the release of its lease."""

    options: SourceOptions
    source_id: int
    ok: bool
    state: SourceState | None = None
    error: str | None = None
    retry_after: float | None = None
    seconds: float | None = None


def _record_outcomes(app: App, outcomes: Sequence[_Outcome]) -> None:
    """Store each source's new state, health and how long the poll took, write a health alert when
    it goes down or recovers, and release the lease: all in one transaction. If a lease was lost
    meanwhile (this worker stalled past its expiry and another took the source over), the new
    holder's record stands and nothing is written for that source."""
    if not outcomes:
        return
    now = utcnow()
    with unit_of_work(app.sessions) as session:
        held = leases.locked_held(session, source_ids=[o.source_id for o in outcomes], owner=app.worker)
        events = [_record_outcome(app, session, o, held.get(o.source_id), now) for o in outcomes]
    if any(event is not None for event in events):
        app.dispatch(retry=False)


def _record_outcome(
    app: App, session: Session, outcome: _Outcome, row: SourceRow | None, now: datetime
) -> HealthEvent | None:
    """`row`: the source's row, locked, if this worker still holds its lease."""
    options, ok, error = outcome.options, outcome.ok, outcome.error
    polling = app.rules.polling
    if row is None:
        log.warning(
            "source=%s: this worker's lease expired during the poll and the source was taken over; "
            "its outcome is left to the new holder",
            options.name,
        )
        return None
    leases.release(row)
    previous_failures, last_success = row.consecutive_failures, row.last_success_at
    row.last_attempt_at, row.last_poll_seconds = now, outcome.seconds
    failures = 0 if ok else row.consecutive_failures + 1
    event = health_event(
        ok=ok, failures=failures, threshold=polling.failures_before_alert, alerted=row.health_alerted
    )
    if ok:
        row.consecutive_failures, row.last_success_at, row.last_error = 0, now, None
        row.next_check_at = next_after_success(now, options.interval, options.jitter_seconds)
        state = outcome.state
        if state is not None:
            row.url, row.etag, row.last_modified = state.url or row.url, state.etag, state.last_modified
    else:
        row.consecutive_failures, row.last_error = failures, error
        delay = backoff_seconds(failures, options.interval, polling.max_backoff, outcome.retry_after)
        row.next_check_at = now + timedelta(seconds=delay)
        log.warning("source=%s error=%r failures=%d retry_in=%.0fs", options.name, error, failures, delay)
    if event is not None:
        row.health_alerted = event is HealthEvent.DOWN
        draft = alerts.health_alert(
            source=options.name,
            event=event,
            failures=failures if not ok else previous_failures,
            error=error,
            last_success=last_success,
            at=now,
        )
        planned = plan_alert(app.routing, draft, frozenset(), now)
        repo.add_alert(session, draft=draft, article_id=None, deliveries=planned)
    return event
