"""One pass of the monitor: poll every source, read new items as articles, dedupe, analyse, store the
evidence, update the claims' status and write alerts to the outbox, then dispatch the outbox.

Each item is handled in one transaction: its article, evidence, status changes and alerts are stored
together or not at all, so a crash never leaves an article without its alerts nor sends one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from monitor import alerts
from monitor.app import App
from monitor.article import to_article
from monitor.dedupe import fingerprint, sentence_key
from monitor.domain import Article, ArticleVerdict, RawDocument
from monitor.ledger import claim_status
from monitor.notify.dispatch import DispatchStats, dispatch
from monitor.sources import Failure, Item, UnreadableItem
from monitor.store import repository as repo
from monitor.store.db import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class ArticleReport:
    """What one new article brought, for progress output."""

    source: str
    key: str
    title: str
    verdicts: tuple[ArticleVerdict, ...]
    new_alerts: int
    duplicate_of: int | None = None


@dataclass
class PassStats:
    items: int = 0
    unchanged: int = 0
    new_articles: int = 0
    duplicates: int = 0
    failed: int = 0
    evidence: int = 0
    alerts: int = 0
    dispatch: DispatchStats = field(default_factory=DispatchStats)


Reporter = Callable[[ArticleReport], None]


def run_pass(
    app: App, report: Reporter | None = None, should_stop: Callable[[], bool] = lambda: False
) -> PassStats:
    """Process every source once and dispatch pending alerts. Bad items are logged, counted and skipped.

    `should_stop` is checked between items: a stop request ends the pass after the current item, whose
    transaction is complete, and still sends its alerts.
    """
    stats = PassStats()
    with unit_of_work(app.sessions) as session:
        repo.sync_claims(session, claims=app.rules.claims)
    for options in app.rules.sources:
        with unit_of_work(app.sessions) as session:
            source_id = repo.ensure_source(session, name=options.name, kind=options.kind)
        for entry in options.build().poll():
            if should_stop():
                break
            stats.items += 1
            if isinstance(entry, Failure):
                stats.failed += 1
                log.warning("source=%s item=%s skipped: %s", options.name, entry.key, entry.reason)
                continue
            alerts_before = stats.alerts
            _process_item(app, source_id, options.name, entry, stats, report)
            if stats.alerts > alerts_before:  # send at once: an alert should not wait for the whole pass
                stats.dispatch += dispatch(app.sessions, app.targets, retry=False)
    stats.dispatch += dispatch(app.sessions, app.targets)  # retries, and anything left from earlier runs
    return stats


def _process_item(
    app: App, source_id: int, source: str, item: Item, stats: PassStats, report: Reporter | None
) -> None:
    with app.sessions() as session:
        if repo.item_seen(session, source_id=source_id, key=item.key, content_hash=item.content_hash):
            stats.unchanged += 1
            return
    try:
        documents = item.read()
    except Exception as exc:  # one bad file must never stop the others
        reason = str(exc) if isinstance(exc, UnreadableItem) else f"unexpected error while reading: {exc!r}"
        stats.failed += 1
        log.warning("source=%s item=%s skipped: %s", source, item.key, reason)
        with unit_of_work(app.sessions) as session:  # recorded: read again only when the file changes
            repo.record_item(
                session,
                source_id=source_id,
                key=item.key,
                content_hash=item.content_hash,
                article_id=None,
                error=reason,
            )
        return
    try:
        _store_item(app, source_id, item, documents, stats, report)
    except Exception:  # nothing of the item was stored (one transaction): it is tried again next pass
        stats.failed += 1
        log.exception("source=%s item=%s failed during analysis or storage; will retry", source, item.key)


def _store_item(
    app: App,
    source_id: int,
    item: Item,
    documents: list[RawDocument],
    stats: PassStats,
    report: Reporter | None,
) -> None:
    with unit_of_work(app.sessions) as session:
        article_id = None
        for document in documents:
            article = to_article(document)
            article_id = _store_article(app, session, article, stats, report)
        repo.record_item(
            session,
            source_id=source_id,
            key=item.key,
            content_hash=item.content_hash,
            article_id=article_id,
            error=None,
        )


def _store_article(
    app: App, session: Session, article: Article, stats: PassStats, report: Reporter | None
) -> int:
    digest = fingerprint(article)
    existing = repo.find_article(session, fingerprint=digest)
    if existing is not None:
        stats.duplicates += 1
        if report:
            report(ArticleReport(article.source, article.key, article.title, (), 0, duplicate_of=existing))
        return existing
    analysis = app.analyzer.analyze(article)
    article_id = repo.add_article(session, article=article, fingerprint=digest, topics=analysis.topics)
    stats.new_articles += 1
    new_alerts = 0
    for verdict in analysis.verdicts:
        claim = app.rules.claim(verdict.claim_id)
        assert claim is not None
        keys = [sentence_key(e.sentence.text) for e in verdict.evidence]
        known = repo.known_sentences(session, claim_id=claim.id, keys=keys)
        repo.add_evidence(
            session, article_id=article_id, article=article, items=verdict.evidence, sentence_keys=keys
        )
        repo.set_verdict(
            session,
            article_id=article_id,
            claim_id=claim.id,
            stance=verdict.stance,
            confidence=verdict.confidence,
        )
        stats.evidence += len(verdict.evidence)
        session.flush()
        decision = claim_status(repo.ledger(session, claim_id=claim.id))
        changed = repo.change_status(
            session, claim_id=claim.id, new=decision.status, reason=decision.reason, article_id=article_id
        )
        drafts = []
        for stance, event in alerts.STANCE_EVENT.items():
            fresh = [
                e
                for e, k in zip(verdict.evidence, keys, strict=True)
                if e.stance is stance and k not in known
            ]
            if fresh:
                drafts.append(
                    alerts.evidence_alert(
                        event=event,
                        claim_id=claim.id,
                        claim_text=claim.claim,
                        status=decision.status,
                        article=article,
                        article_id=article_id,
                        fingerprint=digest,
                        evidence=fresh,
                    )
                )
        if changed is not None:
            old, change_id = changed
            drafts.append(
                alerts.status_alert(
                    claim_id=claim.id,
                    claim_text=claim.claim,
                    old=old,
                    new=decision.status,
                    reason=decision.reason,
                    change_id=change_id,
                    article=article,
                )
            )
        for draft in drafts:
            if repo.add_alert(session, draft=draft, article_id=article_id, targets=app.targets) is not None:
                new_alerts += 1
    stats.alerts += new_alerts
    if report:
        report(ArticleReport(article.source, article.key, article.title, analysis.verdicts, new_alerts))
    return article_id
