"""Fetching feeds and pages over real HTTP: conditional GET, redirects, limits, errors, per-host concurrency.

Every test talks to a real server on 127.0.0.1 (tests/httpserver.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from monitor import __version__
from monitor.ingest.fetch import STOPPED, USER_AGENT, Fetcher, FetchError, FetchLimits, Response, Validators

from .httpserver import BOMB, ETAG, FEED, LAST_MODIFIED, FeedServer


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.stop()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FetchLimits(timeout=5)) as f:
        yield f


def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    return info.value


def test_a_feed_is_fetched_with_its_validators_and_content_type(server: FeedServer, fetcher: Fetcher) -> None:
    response = fetcher.get(server.url("/feed"))
    assert response == Response(
        status=200,
        url=server.url("/feed"),
        permanent_url=None,
        body=FEED,
        validators=Validators(etag=ETAG, last_modified=LAST_MODIFIED),
        content_type="application/rss+xml; charset=utf-8",
    )


def test_requests_identify_the_reader_and_accept_feeds_and_compression(
    server: FeedServer, fetcher: Fetcher
) -> None:
    fetcher.get(server.url("/feed"))
    [(_, headers)] = server.requests
    assert headers["User-Agent"] == USER_AGENT
    assert f"claim-monitor/{__version__}" in USER_AGENT
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["Accept"].startswith("application/rss+xml, application/atom+xml, application/feed+json")
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


def test_a_custom_user_agent_is_sent(server: FeedServer) -> None:
    with Fetcher(FetchLimits(user_agent="tester/1.0")) as f:
        f.get(server.url("/feed"))
    assert server.requests[0][1]["User-Agent"] == "tester/1.0"


def test_an_unchanged_feed_answers_304_to_its_etag(server: FeedServer, fetcher: Fetcher) -> None:
    first = fetcher.get(server.url("/feed"))
    second = fetcher.get(server.url("/feed"), first.validators)
    assert second.status == 304
    assert second.body == b""
    assert second.validators == first.validators
    sent = server.requests[1][1]
    assert sent["If-None-Match"] == ETAG
    assert sent["If-Modified-Since"] == LAST_MODIFIED


def test_a_304_without_validators_keeps_the_ones_sent(server: FeedServer, fetcher: Fetcher) -> None:
    response = fetcher.get(server.url("/feed"), Validators(last_modified=LAST_MODIFIED))
    assert response.status == 304
    assert response.validators == Validators(etag=None, last_modified=LAST_MODIFIED)
    assert "If-None-Match" not in server.requests[0][1]


def test_a_stale_etag_gets_the_full_feed(server: FeedServer, fetcher: Fetcher) -> None:
    response = fetcher.get(server.url("/feed"), Validators(etag='"old"'))
    assert (response.status, response.body, response.validators.etag) == (200, FEED, ETAG)


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
def test_compressed_bodies_are_decoded(server: FeedServer, fetcher: Fetcher, path: str) -> None:
    assert fetcher.get(server.url(path)).body == FEED


def test_permanent_redirects_give_the_new_url_to_store(server: FeedServer, fetcher: Fetcher) -> None:
    response = fetcher.get(server.url("/perm/1"))
    assert response.status == 200
    assert response.body == FEED
    assert response.url == server.url("/perm/final")  # the relative Location "final" resolved
    assert response.permanent_url == server.url("/perm/final")
    assert server.paths() == ["/perm/1", "/perm/2", "/perm/final"]


def test_a_temporary_redirect_anywhere_in_the_chain_keeps_the_old_url(
    server: FeedServer, fetcher: Fetcher
) -> None:
    for path in ["/temp", "/mixed"]:
        response = fetcher.get(server.url(path))
        assert response.url == server.url("/feed")
        assert response.permanent_url is None


def test_validators_are_sent_after_a_redirect(server: FeedServer, fetcher: Fetcher) -> None:
    response = fetcher.get(server.url("/mixed"), Validators(etag=ETAG))
    assert response.status == 304
    assert server.requests[-1][1]["If-None-Match"] == ETAG


def test_a_redirect_loop_stops_after_max_redirects(server: FeedServer) -> None:
    with Fetcher(FetchLimits(max_redirects=3)) as f:
        error = fetch_error(f, server.url("/loop"))
    assert str(error) == "too many redirects"
    assert server.paths() == ["/loop"] * 4  # the request and three redirects


def test_redirects_without_a_location_or_to_another_scheme_fail(server: FeedServer, fetcher: Fetcher) -> None:
    error = fetch_error(fetcher, server.url("/no-location"))
    assert (str(error), error.status) == ("HTTP 301 without a Location header", 301)
    assert "ftp://" in str(fetch_error(fetcher, server.url("/to-ftp")))


def test_429_reports_retry_after_in_seconds(server: FeedServer, fetcher: Fetcher) -> None:
    error = fetch_error(fetcher, server.url("/429"))
    assert (str(error), error.status, error.retry_after) == ("HTTP 429", 429, 7.0)


def test_503_reports_an_http_date_retry_after_as_seconds_from_now(
    server: FeedServer, fetcher: Fetcher
) -> None:
    error = fetch_error(fetcher, server.url("/503-date"))
    assert (str(error), error.status) == ("HTTP 503", 503)
    assert error.retry_after is not None
    assert 100 < error.retry_after <= 120


def test_retry_after_is_capped_at_a_day_and_ignored_when_unreadable(
    server: FeedServer, fetcher: Fetcher
) -> None:
    assert fetch_error(fetcher, server.url("/429-huge")).retry_after == 24 * 3600
    assert fetch_error(fetcher, server.url("/429-garbled")).retry_after is None


@pytest.mark.parametrize(("path", "status"), [("/500", 500), ("/404", 404)])
def test_error_statuses_fail_with_the_code(
    server: FeedServer, fetcher: Fetcher, path: str, status: int
) -> None:
    error = fetch_error(fetcher, server.url(path))
    assert (str(error), error.status, error.retry_after) == (f"HTTP {status}", status, None)


def test_a_server_that_does_not_answer_times_out(server: FeedServer) -> None:
    with Fetcher(FetchLimits(timeout=0.5)) as f:
        error = fetch_error(f, server.url("/slow"))
    assert str(error) == "timed out after 0.5 s"
    assert error.status is None


def test_a_server_that_drips_bytes_hits_the_overall_deadline(server: FeedServer) -> None:
    # Each byte arrives well within the read timeout; only the overall deadline can stop this.
    with Fetcher(FetchLimits(timeout=0.5)) as f:
        error = fetch_error(f, server.url("/drip"))
    assert str(error) == "timed out after 0.5 s"


def test_headers_trickled_one_line_at_a_time_hit_the_overall_deadline(server: FeedServer) -> None:
    # Each header line arrives well within the read timeout; only a deadline over the whole exchange
    # stops this (a 20 s timeout once let such a server hold a poll for 180 s).
    started = time.monotonic()
    with Fetcher(FetchLimits(timeout=2)) as f:
        error = fetch_error(f, server.url("/trickled-headers"))
    assert str(error) == "timed out after 2 s"
    assert time.monotonic() - started < 4
    assert server.hung_up.wait(3)  # the connection was closed, not left reading in the background


def test_a_stop_request_abandons_a_fetch_in_flight(server: FeedServer) -> None:
    stop = threading.Event()
    with Fetcher(FetchLimits(timeout=60)) as f:
        threading.Timer(1.0, stop.set).start()
        started = time.monotonic()
        error = fetch_error(f.stopping_on(stop.is_set), server.url("/trickled-headers"))
        assert 1.0 <= time.monotonic() - started < 2
        assert str(error) == STOPPED
        assert server.hung_up.wait(3)
        assert f.get(server.url("/feed")).body == FEED  # the shared fetcher is not stopped


@pytest.mark.parametrize("path", ["/large", "/large-chunked"])
def test_a_body_over_max_bytes_fails(server: FeedServer, path: str) -> None:
    with Fetcher(FetchLimits(max_bytes=2500)) as f:
        error = fetch_error(f, server.url(path))
        assert str(error) == "response larger than 2500 bytes"
        assert f.get(server.url("/feed")).body == FEED  # the fetcher is still usable


def test_a_body_of_exactly_max_bytes_is_accepted(server: FeedServer) -> None:
    with Fetcher(FetchLimits(max_bytes=len(FEED))) as f:
        assert f.get(server.url("/feed")).body == FEED


def test_a_gzip_bomb_is_stopped_at_max_bytes_of_decoded_output(server: FeedServer) -> None:
    limit = 1024 * 1024
    assert len(BOMB) < limit  # small on the wire, 32 MiB decoded
    with Fetcher(FetchLimits(max_bytes=limit)) as f:
        error = fetch_error(f, server.url("/bomb"))
    assert str(error) == f"response larger than {limit} bytes"


def test_a_closed_port_is_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = fetch_error(fetcher, f"http://127.0.0.1:{port}/feed")
    assert (str(error), error.status) == ("connection refused", None)


def test_tls_to_a_plain_http_server_is_a_tls_error(server: FeedServer, fetcher: Fetcher) -> None:
    error = fetch_error(fetcher, server.url("/feed").replace("http://", "https://"))
    assert str(error).startswith("TLS error")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed", "feeds/local.xml", "http://[::1/feed", ""])
def test_urls_that_cannot_be_fetched_fail_without_a_request(fetcher: Fetcher, url: str) -> None:
    assert str(fetch_error(fetcher, url))


def concurrent_fetches(server: FeedServer, per_host: int, threads: int = 6) -> list[int]:
    statuses: list[int] = []
    with Fetcher(FetchLimits(per_host=per_host)) as f:
        start = threading.Barrier(threads)

        def worker() -> None:
            start.wait()
            statuses.append(f.get(server.url("/concurrent")).status)

        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    return statuses


def test_at_most_per_host_requests_are_in_flight_to_one_host(server: FeedServer) -> None:
    assert concurrent_fetches(server, per_host=2) == [200] * 6
    assert server.max_in_flight == 2


def test_the_server_sees_concurrency_when_the_host_limit_allows_it(server: FeedServer) -> None:
    assert concurrent_fetches(server, per_host=6) == [200] * 6
    assert server.max_in_flight > 2
