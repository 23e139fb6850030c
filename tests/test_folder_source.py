"""The folder source reads .txt, .md, .html and .json articles once per content; bad files are skipped."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.ingest.article import to_article
from monitor.ingest.sources import Failure, Item, SourceError, SourceState, UnreadableItem
from monitor.ingest.sources.folder import FolderOptions

from .conftest import SEEDS


def poll(folder: Path) -> list[Item | Failure]:
    return list(FolderOptions(name="f", kind="folder", path=folder).build().poll(SourceState()).items)


def read_all(folder: Path) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for entry in poll(folder):
        if isinstance(entry, Failure):
            out[entry.key] = [entry.reason]
            continue
        try:
            out[entry.key] = [to_article(d) for d in entry.read()]
        except UnreadableItem as exc:
            out[entry.key] = [exc]
    return out


def test_seed_format_date_marker_and_title() -> None:
    articles = read_all(SEEDS)
    first = articles["000_e78a9573a7635a20.txt"][0]
    assert first.published == datetime(2024, 10, 16, tzinfo=UTC)  # type: ignore[attr-defined]
    assert not first.published_estimated  # type: ignore[attr-defined]
    assert first.title.startswith("The involvement of the DPRK military")  # type: ignore[attr-defined]
    assert "date 2024" not in first.text  # type: ignore[attr-defined]


def test_a_section_label_first_line_is_not_taken_as_the_title() -> None:
    article = read_all(SEEDS)["004_3f30bc8ffa99e168.txt"][0]
    assert (
        article.title == "NATO: North Korean troops in the war in Ukraine would be a significant escalation"
    )  # type: ignore[attr-defined]


def test_an_undated_article_gets_an_estimated_date_from_the_file_time(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("A headline\n\nSomething happened.\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    article = read_all(tmp_path)["a.txt"][0]
    assert article.published == datetime.fromtimestamp(1_700_000_000, UTC)  # type: ignore[attr-defined]
    assert article.published_estimated and article.date_origin == "file time"  # type: ignore[attr-defined]


def test_an_undated_article_with_a_day_in_its_text_is_dated_that_day_in_the_file_times_year(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("A headline\n\nOn October 14 something happened.\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 14 November 2023
    article = read_all(tmp_path)["a.txt"][0]
    assert article.published == datetime(2023, 10, 14, tzinfo=UTC)  # type: ignore[attr-defined]
    assert article.published_estimated  # type: ignore[attr-defined]
    assert article.date_origin == "text, year from file time"  # type: ignore[attr-defined]


def test_an_undated_article_takes_the_latest_full_date_in_its_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "A headline\n\nOn 3 March 2021 this. On March 5, 2021 that. In 2099-01-01 never.\n"
    )
    article = read_all(tmp_path)["a.txt"][0]
    assert article.published == datetime(2021, 3, 5, tzinfo=UTC)  # type: ignore[attr-defined]
    assert article.published_estimated and article.date_origin == "text"  # type: ignore[attr-defined]


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(
        "---\ntitle: Front title\ndate: 2024-10-20\noutlet: Example Wire\nurl: https://example.org/a\n---\n"
        "# Heading\n\nBody with a [link](https://x.test).\n"
    )
    article = read_all(tmp_path)["m.md"][0]
    assert article.title == "Front title"  # type: ignore[attr-defined]
    assert article.published == datetime(2024, 10, 20, tzinfo=UTC)  # type: ignore[attr-defined]
    assert article.outlet == "Example Wire" and "link" in article.text  # type: ignore[attr-defined]
    assert "](https" not in article.text  # type: ignore[attr-defined]


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the ministry said that the new bridge over the river opened to traffic today.</p>"
        for i in range(6)
    )
    (tmp_path / "p.html").write_text(
        "<html><head><title>Bridge opens</title>"
        '<meta property="article:published_time" content="2024-10-18T09:00:00Z">'
        '<meta property="og:site_name" content="City Times"></head>'
        f"<body><nav>Home | News | Sport</nav><article><h1>Bridge opens</h1>{paragraphs}</article>"
        "<footer>Copyright City Times</footer></body></html>"
    )
    article = read_all(tmp_path)["p.html"][0]
    assert article.title == "Bridge opens"  # type: ignore[attr-defined]
    assert article.published.date().isoformat() == "2024-10-18"  # type: ignore[attr-defined]
    assert article.outlet == "City Times"  # type: ignore[attr-defined]
    assert "Paragraph 5" in article.text and "Home | News" not in article.text  # type: ignore[attr-defined]


def test_json_object_and_list(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(
        json.dumps({"title": "T1", "text": "Body one.", "published": "2024-10-01"})
    )
    (tmp_path / "many.json").write_text(
        json.dumps(
            [{"title": "A", "body": "Body A.", "source": "Wire"}, {"title": "B", "content": "Body B."}]
        )
    )
    articles = read_all(tmp_path)
    one = articles["one.json"][0]
    assert one.title == "T1" and one.published == datetime(2024, 10, 1, tzinfo=UTC)  # type: ignore[attr-defined]
    many = articles["many.json"]
    assert [a.title for a in many] == ["A", "B"]  # type: ignore[attr-defined]
    assert [a.key for a in many] == ["many.json#0", "many.json#1"]  # type: ignore[attr-defined]
    assert many[0].outlet == "Wire"  # type: ignore[attr-defined]


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Title\n\nBody.\n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "broken.json").write_text('{"title": "x", ')
    (tmp_path / "notext.json").write_text('{"title": "x"}')
    (tmp_path / "empty.txt").write_text("  \n\n")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing-target.txt")
    articles = read_all(tmp_path)
    assert articles["good.txt"][0].title == "Title"  # type: ignore[attr-defined]
    assert "binary" in str(articles["binary.txt"][0])
    assert "invalid JSON at line 1" in str(articles["broken.json"][0])
    assert "has no text" in str(articles["notext.json"][0])
    assert "empty file" in str(articles["empty.txt"][0])
    assert "cannot read file" in str(articles["gone.txt"][0])


def test_non_utf8_text_is_decoded(tmp_path: Path) -> None:
    body = (
        "Le ministère de l'Économie a confirmé mercredi la fermeture de l'usine, après des mois de rumeurs. "
        * 3
    )
    (tmp_path / "latin.txt").write_bytes(f"Café crème\n\n{body}\n".encode("cp1252"))
    article = read_all(tmp_path)["latin.txt"][0]
    assert article.title == "Café crème"  # type: ignore[attr-defined]
    assert "ministère de l'Économie a confirmé" in article.text  # type: ignore[attr-defined]


# Short texts with the accented letters of each language: (title, body). The "typographic" ones add what
# windows-1252 has and Latin-1 lacks (curly quotes, the euro sign, dashes), so they skip Latin-1.
TEXTS = {
    "en": (
        "The naïve café owner",
        "Zoë said the déjà vu crowd at her café rarely paid for the crème brûlée.",
    ),
    "fr": (
        "L'élève reçoit un prix à Noël",
        "Où est la forêt ? Le garçon a déjà mangé une crème brûlée, dit-il.",
    ),
    "de": (
        "Die Größe der Straße überrascht Jürgen",
        "Müller aß Äpfel, während die Bürger über die Brücke gingen.",
    ),
    "es": (
        "El niño comió piña en España",
        "¿Dónde está el señor Muñoz? ¡Qué año tan difícil para la compañía!",
    ),
    "en-typographic": (
        "A naïve café’s “résumé”",
        "The owner said the crème brûlée cost €5 — “a naïve price”.",
    ),
    "fr-typographic": (
        "L’élève reçoit un prix à Noël",
        "« Où est la forêt ? » Le billet coûte 12 € – c’est déjà trop.",
    ),
    "de-typographic": (
        "„Größer als gedacht“, sagt Jürgen",
        "Die Straße kostet 3 € pro Meter – Müller ärgert sich über die Bürger.",
    ),
    "es-typographic": (
        "“¡Qué año!”, dijo la señora Peña",
        "El niño pagó 20 € por la piña – ¿dónde está el señor Muñoz?",
    ),
}
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16")


@pytest.mark.parametrize(
    ("language", "encoding"),
    [
        (language, encoding)
        for language in TEXTS
        for encoding in ENCODINGS
        if not (encoding == "latin-1" and language.endswith("typographic"))
    ],
)
def test_a_file_in_a_common_encoding_reads_back_its_original_text(
    tmp_path: Path, language: str, encoding: str
) -> None:
    title, body = TEXTS[language]
    (tmp_path / "article.txt").write_bytes(f"{title}\n\n{body}\n".encode(encoding))
    (item,) = poll(tmp_path)
    assert isinstance(item, Item)
    (document,) = item.read()
    assert (document.title, document.text) == (title, body)


def test_item_identity_is_path_plus_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Title\n\nBody.\n")
    first, again = poll(tmp_path)[0], poll(tmp_path)[0]
    assert isinstance(first, Item) and isinstance(again, Item)
    assert (again.key, again.content_hash) == (first.key, first.content_hash)
    path.write_text("Title\n\nBody, edited.\n")
    second = poll(tmp_path)[0]
    assert isinstance(second, Item) and second.key == first.key and second.content_hash != first.content_hash


def test_hidden_files_and_unmatched_patterns_are_ignored(tmp_path: Path) -> None:
    (tmp_path / ".draft.txt").write_text("Hidden\n\nx")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.md").write_text("# Deep\n\nText.")
    assert sorted(e.key for e in poll(tmp_path)) == ["sub/deep.md"]


def test_a_missing_folder_is_a_source_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        poll(tmp_path / "nope")


def test_filesystem_events_are_matched_to_the_folder_patterns(tmp_path: Path) -> None:
    options = FolderOptions(name="f", kind="folder", path=tmp_path, recursive=False)
    assert options.wants(tmp_path / "a.txt") and options.wants(tmp_path / "b.json")
    assert not options.wants(tmp_path / "a.png")
    assert not options.wants(tmp_path / ".hidden.txt")
    assert not options.wants(tmp_path / "sub" / "a.txt")
    assert not options.wants(tmp_path.parent / "elsewhere.txt")
