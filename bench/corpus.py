"""The generated news corpus of the end-to-end benches, and the files and feeds it is served as (the
claims it is about and their rules file are in bench/claims.py, the measuring in bench/harness.py).

    python3 bench/corpus.py [--articles 2000] [--seed 1] [--show 0]

Run on its own it checks the corpus and prints: words per article; how many articles are relevant
(5%: article `i` is relevant when `i % 20 == 0`, and then concerns claim `(i // 20) % 20`); how many the
`rules` engine finds evidence in, by claim, and how many irrelevant articles name an entity of a claim
(must be 0); distinct fingerprints (must equal the articles); and near-duplicate detection on all of
them (`monitor.ledger.stories.cluster`: must find no story of two articles), with the mean and maximum exact
Jaccard similarity of 5-shingles between articles. `--show N` prints the first N relevant articles.

The corpus. Article `i` depends only on `--seed` and `i` (its own random generator), so a feed server
in another process builds the same articles. An article is a headline and 22-42 sentences (about 500
words) in 4-7 paragraphs on one local-news beat: two people, two places, two organisations and a dozen
nouns, verbs and adjectives drawn for it, filling 60 sentence templates whose slots come every few
words, so unrelated articles share almost no 5-word shingles. A relevant article also carries one or
two background sentences of its claim and 3-7 stance sentences: a speaker (a role and a name drawn from
3,600) confirms, contradicts or discusses one of the claim's wordings, mostly the article's own stance
(drawn by the claim's `lean`), so claims end up confirmed, contested or reported. Outlets, authors,
dates (500 articles a day from 1 March 2024) and URLs vary too; no text names a claim's entity unless
it is about that claim.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from claims import CLAIMS, BenchClaim, folder_source, rules_yaml

RELEVANT_EVERY = 20
"""Article `i` is about a claim when `i % RELEVANT_EVERY == 0`: 5% of the corpus."""
BASE_DATE = datetime(2024, 3, 1, 6, tzinfo=UTC)
ARTICLES_PER_DAY = 500
FORMATS = ("txt", "md", "json", "html")


# ---------------------------------------------------------------------------------------------------
# The vocabulary of the articles that are about none of the claims

FIRST = (
    "Anna", "Ben", "Clara", "Daniel", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Karin", "Liam",
    "Maria", "Noah", "Olga", "Peter", "Quinn", "Rosa", "Simon", "Tara", "Uma", "Victor", "Wendy", "Xavier",
    "Yara", "Zoe", "Adam", "Beth", "Carl", "Dina", "Eric", "Fiona", "George", "Hanna", "Ivan", "Julia",
    "Kevin", "Laura", "Marco", "Nadia", "Oscar", "Paula", "Rafael", "Sofia", "Tomas", "Ursula", "Vera",
    "Walter", "Amir", "Bianca", "Chloe", "Dmitri", "Esther", "Farid", "Greta", "Hassan", "Irene", "Jakub",
    "Keiko", "Leon",
)  # fmt: skip
LAST = (
    "Keller", "Brandt", "Weber", "Lang", "Hart", "Moreau", "Rossi", "Novak", "Jensen", "Silva", "Costa",
    "Fischer", "Larsen", "Kowalski", "Horvat", "Dubois", "Ferreira", "Lindqvist", "Okafor", "Mensah",
    "Tanaka", "Sato", "Kim", "Nguyen", "Haddad", "Aziz", "Petrov", "Ivanova", "Murphy", "Walsh", "Byrne",
    "Clarke", "Hughes", "Price", "Turner", "Barker", "Fletcher", "Marsh", "Holloway", "Pemberton",
    "Ashworth", "Greaves", "Whitlock", "Calloway", "Ramsey", "Sinclair", "Dalton", "Mercer", "Foster",
    "Quinlan", "Abbott", "Bishop", "Carver", "Doyle", "Ellison", "Frost", "Garner", "Hale", "Irwin", "Joyce",
)  # fmt: skip
PLACE_HEADS = (
    "Ash", "Brad", "Cald", "Dun", "Elm", "Fair", "Glen", "Hart", "Kings", "Lang", "Mill", "North", "Oak",
    "Pen", "Red", "Stan", "Thorn", "Wex", "Whit", "Bram",
)  # fmt: skip
PLACE_TAILS = ("ford", "ley", "bury", "wick", "ton", "field", "mouth", "borough", "stead", "dale")
ORG_KINDS = (
    "District Council", "Chamber of Commerce", "Water Board", "Rail Partnership", "Health Trust",
    "Football Club", "Arts Centre", "University", "Housing Association", "Transport Authority",
    "Farmers' Union", "Civic Society", "Fire Service", "Library Trust", "Cricket Club", "Food Bank",
)  # fmt: skip
NOUNS = (
    ("budget", "budgets"), ("school", "schools"), ("bridge", "bridges"), ("hospital", "hospitals"),
    ("clinic", "clinics"), ("library", "libraries"), ("museum", "museums"), ("festival", "festivals"),
    ("stadium", "stadiums"), ("team", "teams"), ("season", "seasons"), ("league", "leagues"),
    ("match", "matches"), ("coach", "coaches"), ("player", "players"), ("company", "companies"),
    ("factory", "factories"), ("supplier", "suppliers"), ("contract", "contracts"), ("project", "projects"),
    ("proposal", "proposals"), ("report", "reports"), ("survey", "surveys"), ("study", "studies"),
    ("laboratory", "laboratories"), ("telescope", "telescopes"), ("patient", "patients"), ("ward", "wards"),
    ("bus route", "bus routes"), ("train", "trains"), ("station", "stations"), ("road", "roads"),
    ("tunnel", "tunnels"), ("harbour", "harbours"), ("park", "parks"), ("playground", "playgrounds"),
    ("housing estate", "housing estates"), ("flat", "flats"), ("tenant", "tenants"),
    ("landlord", "landlords"), ("market", "markets"), ("shop", "shops"), ("bakery", "bakeries"),
    ("brewery", "breweries"), ("vineyard", "vineyards"), ("orchard", "orchards"), ("farm", "farms"),
    ("harvest", "harvests"), ("reservoir", "reservoirs"), ("pipeline", "pipelines"), ("sewer", "sewers"),
    ("flood barrier", "flood barriers"), ("cycle lane", "cycle lanes"), ("car park", "car parks"),
    ("speed camera", "speed cameras"), ("concert hall", "concert halls"), ("theatre", "theatres"),
    ("exhibition", "exhibitions"), ("painting", "paintings"), ("sculpture", "sculptures"),
    ("novel", "novels"), ("film", "films"), ("choir", "choirs"), ("orchestra", "orchestras"),
    ("swimming pool", "swimming pools"), ("gym", "gyms"), ("marathon", "marathons"),
    ("tournament", "tournaments"), ("trophy", "trophies"), ("transfer", "transfers"),
    ("pension", "pensions"), ("grant", "grants"), ("loan", "loans"), ("tax", "taxes"), ("fee", "fees"),
    ("licence", "licences"), ("permit", "permits"), ("inspection", "inspections"), ("audit", "audits"),
    ("election", "elections"), ("petition", "petitions"), ("referendum", "referendums"),
    ("committee", "committees"), ("volunteer", "volunteers"), ("charity", "charities"),
    ("donation", "donations"), ("scholarship", "scholarships"), ("apprentice", "apprentices"),
    ("graduate", "graduates"), ("nursery", "nurseries"), ("care home", "care homes"),
    ("ambulance", "ambulances"), ("fire engine", "fire engines"), ("police station", "police stations"),
    ("court case", "court cases"), ("tram", "trams"), ("ferry", "ferries"), ("runway", "runways"),
    ("wind turbine", "wind turbines"), ("solar farm", "solar farms"), ("heat pump", "heat pumps"),
    ("recycling centre", "recycling centres"), ("bin collection", "bin collections"),
    ("allotment", "allotments"), ("footpath", "footpaths"), ("canal towpath", "canal towpaths"),
    ("castle", "castles"), ("church", "churches"), ("archive", "archives"), ("website", "websites"),
    ("app", "apps"), ("data centre", "data centres"),
)  # fmt: skip
VERBS = (
    ("approve", "approved"), ("delay", "delayed"), ("review", "reviewed"), ("expand", "expanded"),
    ("close", "closed"), ("fund", "funded"), ("replace", "replaced"), ("reopen", "reopened"),
    ("scrap", "scrapped"), ("upgrade", "upgraded"), ("extend", "extended"), ("repair", "repaired"),
    ("rebuild", "rebuilt"), ("launch", "launched"), ("postpone", "postponed"), ("inspect", "inspected"),
    ("sell", "sold"), ("redesign", "redesigned"), ("support", "supported"), ("restore", "restored"),
    ("relocate", "relocated"), ("renovate", "renovated"), ("promote", "promoted"), ("open", "opened"),
    ("finance", "financed"), ("license", "licensed"), ("survey", "surveyed"), ("modernise", "modernised"),
    ("protect", "protected"), ("merge", "merged"),
)  # fmt: skip
ADJECTIVES = (
    "new", "controversial", "long-awaited", "ambitious", "costly", "temporary", "popular", "outdated",
    "modest", "revised", "unexpected", "historic", "regional", "crowded", "quiet", "busy", "overdue",
    "experimental", "much-criticised", "council-run", "volunteer-led", "award-winning", "privately owned",
    "second", "smaller", "larger", "cheaper", "greener", "safer", "faster",
)  # fmt: skip
JOBS = (
    ("teacher", "teachers"), ("nurse", "nurses"), ("farmer", "farmers"), ("shop owner", "shop owners"),
    ("engineer", "engineers"), ("student", "students"), ("retired builder", "retired builders"),
    ("bus driver", "bus drivers"), ("carpenter", "carpenters"), ("pharmacist", "pharmacists"),
    ("café owner", "café owners"), ("parent", "parents"), ("commuter", "commuters"),
    ("fisherman", "fishermen"),
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
ROLES = (
    "spokeswoman", "spokesman", "senior official", "analyst", "union leader", "lawmaker", "economist",
    "researcher", "diplomat", "minister", "adviser", "industry consultant", "professor", "regulator",
    "senator", "company executive", "trade envoy", "former director",
)  # fmt: skip
OUTLETS = (
    ("Harbour Gazette", "harbourgazette.example"), ("Daily Ledger", "dailyledger.example"),
    ("Meridian Wire", "meridianwire.example"), ("Northern Courier", "northerncourier.example"),
    ("Evening Star", "eveningstar.example"), ("Continental Press", "continentalpress.example"),
    ("Valley Post", "valleypost.example"), ("Coastal Herald", "coastalherald.example"),
    ("Morning Record", "morningrecord.example"), ("Civic Observer", "civicobserver.example"),
    ("Market Chronicle", "marketchronicle.example"), ("County Times", "countytimes.example"),
    ("Riverside Echo", "riversideecho.example"), ("Globe Dispatch", "globedispatch.example"),
    ("Upland Review", "uplandreview.example"), ("Metro Bulletin", "metrobulletin.example"),
)  # fmt: skip

TEMPLATES = (
    "{person} said on {day} that the {org} would {verb} {num} {nouns} by the end of {month}.",
    "The {adj} {noun} in {place} was {verbed} after {num} {nouns2} were found near the {noun2}.",
    "According to {person}, the {org} has {verbed} more than {num} {nouns} since {year}.",
    "Officials in {place} told {outlet} that the {adj} {noun} could be {verbed} within {num2} weeks.",
    '"We will not {verb} the {noun} until every {noun2} in {place} is ready," {surname} said.',
    "The {org} plans to {verb} {num} {adj} {nouns} in {place}, {person} said.",
    "Critics argued that the {adj} {noun} would leave {nouns2} in {place} worse off.",
    "In {year}, {person} {verbed} a similar {noun} that cost about {num} thousand pounds.",
    "The vote follows {num2} months of talks between {person} and the {org} over the {noun}.",
    "Analysts at the {org} expect spending on {nouns} in {place} to rise by {pct} percent next year.",
    "{person}, who has run the {org} since {year}, did not respond to {outlet} on {day}.",
    "More than {num} {jobs} gathered outside the {noun} in {place} on {day} evening.",
    "It was the largest {noun} of its kind in {place}, the {org} said.",
    "The {org} is expected to publish its {noun2} review of the {adj} {noun} in {month}.",
    "{person} told a meeting in {place} that the {noun} had been {verbed} by the {org}.",
    "Under the {adj} plan, the {org} will {verb} {num2} {nouns} and open an office in {place}.",
    "Residents of {place} said the {noun} near the {noun2} had troubled them since {year}.",
    "{surname} called the {noun} {adj} and urged the {org} to {verb} it before {month}.",
    "Police in {place} said {num2} {jobs} were questioned and the {noun} was shut on {day}.",
    "The {org} {verbed} the {adj} {noun} on {day} and will look at the {nouns2} again in {month}.",
    "Work on the {noun} in {place} began in {month} {year} and should end before the {noun2} opens.",
    "A spokeswoman for the {org}, {person}, said staff hoped to {verb} the {noun} in {num2} weeks.",
    "The {noun} will cost {place} an estimated {num} thousand pounds, shared with the {org}.",
    "{person}, a {job} from {place}, said the {adj} {nouns} would make little difference.",
    "Figures from the {org} on {day} showed {pct} percent of {nouns} in {place} were {adj}.",
    "The {org} first raised concerns about the {noun} with {person} in {year}.",
    "Opposition members in {place} said the {noun} had been {verbed} without asking {jobs}.",
    "{person} said she hoped the {adj} {noun} would bring {jobs} back to {place}.",
    "The {noun2} in {place} has been closed since {month} while {jobs} inspect the {noun}.",
    "Tickets for the {noun} at the {org} went on sale on {day} and sold out in {num2} minutes.",
    "The {org} has faced criticism over the {noun}, whose cost rose {pct} percent in {year}.",
    "{person} will present the {adj} {noun} to the {org} on {day} {num2} {month}.",
    "A survey of {num} {jobs} by the {org} found most backed the {adj} {noun}.",
    "The {noun} at {place} was {verbed} in {year} and the {nouns2} have not changed since.",
    "Businesses in {place} welcomed the {noun}, which the {org} says will need {num} {jobs}.",
    "The {org} said the {noun} was {adj} but safe and that no {job} had been hurt.",
    "{person} has written to the {org} asking {surname2} for a review of the {noun}.",
    "The {adj} {noun} in {place} drew {num} {jobs} in its first week, {person} said.",
    "Forecasters said rain over {place} could delay the {noun} until {month}.",
    "A decision on the {noun} is due when the {org} meets {person} in {month}.",
    "{surname} said {nouns} at the {org} had been {verbed} twice since {year}.",
    "The {org} bought the {noun2} from {person} for {num} thousand pounds in {year}.",
    "Nearly {pct}0 percent of {jobs} asked in {place} wanted the {noun} {verbed}.",
    "On {day}, {person} and {person2} cut the ribbon on the {adj} {noun} at {place}.",
    "The row over the {noun} split the {org}, with {num2} members voting against {surname}.",
    "{person2} of the {org} said the {nouns} in {place} were {adj} by any standard.",
    "Children from {num2} {nouns2} near {place} will visit the {noun} in {month}.",
    "The {org} blamed {adj} {nouns2} for the {noun} falling {num2} weeks behind.",
    "{person} said {place} needed {num} more {nouns} and a {adj} {noun2}.",
    "Insurers told the {org} that {nouns2} in {place} cost {pct} percent more than in {year}.",
    "The {noun} was {verbed} after {person} complained to the {org} in {month}.",
    "{surname2}, who chairs the {org}, said the {noun} in {place} was overdue.",
    "A petition signed by {num} {jobs} in {place} asked the {org} to {verb} the {noun2}.",
    "The {adj} {nouns} on show at {place} came from {num2} {nouns2} across the region.",
    "Engineers from the {org} spent {num2} days checking the {noun} on the edge of {place}.",
    "{person} described the {noun} as {adj}, while {person2} said it was a good start.",
    "The {org} will hold an open day at the {noun} in {place} on {day} {num2} {month}.",
    "Since {year}, {num} {nouns} in {place} have been {verbed} by the {org}.",
    "{person} left the {org} in {month} after {num2} years in charge of the {nouns}.",
    "Details of the {adj} {noun} will go before {person} and the {org} in {month}.",
)  # fmt: skip
HEADLINES = (
    "{Place} {orgkind} to {verb} {adj} {noun}",
    "{Adj} {noun} in {place} {verbed} after long wait",
    "{Person} backs plan for {noun} in {place}",
    "Row over {noun} splits {place}",
    "{Place} {nouns} face {adj} future",
    "Why {place} is arguing about its {noun}",
    "{Org} defends cost of {noun}",
    "{Jobs} in {place} welcome {adj} {noun}",
    "Questions over {noun} as {org} meets",
    "{Place} waits for decision on {nouns}",
    "{Person} steps down from {org}",
    "{Num} {nouns} {verbed} in {place}",
)  # fmt: skip
CONFIRM = (
    "{speaker} confirmed on {day} that {event}.",
    '"We can confirm that {event}," {speaker} said in a statement.',
    "{Event}, {speaker} told {outlet} on {day}.",
    "{speaker} said {event}, according to documents seen by {outlet}.",
    "In a statement on {day}, {speaker} confirmed that {event}.",
)
CONTRADICT = (
    "{speaker} denied reports that {event}.",
    "{speaker} said there was no evidence that {event}.",
    '"It is not true that {event}," {speaker} told reporters on {day}.',
    "{speaker} dismissed claims that {event} as groundless.",
)
DISCUSS = (
    "It remains unclear whether {event}, {speaker} said.",
    "{speaker} said on {day} it was too early to say whether {event}.",
    "Analysts at {outlet} have asked whether {event}.",
    "{speaker} said {outlet} could not say if {event}.",
)
STANCE_TEMPLATES = (CONFIRM, CONTRADICT, DISCUSS)


# ---------------------------------------------------------------------------------------------------
# Articles


@dataclass(frozen=True)
class BenchArticle:
    index: int
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    outlet: str
    domain: str
    author: str
    claim: str | None
    """The id of the claim it is about, or None (95%)."""

    @property
    def url(self) -> str:
        slug = "-".join(self.title.lower().replace("'", "").replace(",", "").split()[:8])
        return f"https://{self.domain}/{self.published:%Y/%m/%d}/{slug}-{self.index}"

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return len(self.title.split()) + len(self.body.split())


def relevant(index: int) -> bool:
    return index % RELEVANT_EVERY == 0


def claim_of(index: int) -> BenchClaim | None:
    return CLAIMS[(index // RELEVANT_EVERY) % len(CLAIMS)] if relevant(index) else None


PLACES = tuple(h + t for h in PLACE_HEADS for t in PLACE_TAILS)


class _Writer:
    """Writes one article from its own random generator."""

    def __init__(self, seed: int, index: int) -> None:
        self.r = random.Random(f"{seed}:{index}")
        r = self.r
        self.people = [f"{r.choice(FIRST)} {r.choice(LAST)}" for _ in range(2)]
        self.places = r.sample(PLACES, 2)
        self.orgs = [f"{r.choice(PLACES)} {r.choice(ORG_KINDS)}" for _ in range(2)]
        self.nouns = r.sample(NOUNS, 12)
        self.verbs = r.sample(VERBS, 6)
        self.adjs = r.sample(ADJECTIVES, 6)
        self.outlet = r.choice(OUTLETS)

    def own(self, pool: Sequence[Any], everything: Sequence[Any]) -> Any:
        return self.r.choice(pool) if self.r.random() < 0.7 else self.r.choice(everything)

    def slots(self) -> dict[str, str]:
        r = self.r
        person, person2 = r.sample(self.people, 2) if r.random() < 0.8 else (r.choice(self.people),) * 2
        noun, noun2 = self.own(self.nouns, NOUNS), self.own(self.nouns, NOUNS)
        verb = self.own(self.verbs, VERBS)
        job = r.choice(JOBS)
        return {
            "person": person,
            "person2": person2 if person2 != person else f"{r.choice(FIRST)} {r.choice(LAST)}",
            "surname": person.split()[-1],
            "surname2": person2.split()[-1],
            "place": self.own(self.places, PLACES),
            "org": self.own(self.orgs, self.orgs),
            "outlet": self.outlet[0],
            "noun": noun[0],
            "nouns": noun[1],
            "noun2": noun2[0],
            "nouns2": noun2[1],
            "verb": verb[0],
            "verbed": verb[1],
            "adj": self.own(self.adjs, ADJECTIVES),
            "job": job[0],
            "jobs": job[1],
            "num": str(r.randint(12, 950)),
            "num2": str(r.randint(2, 11)),
            "n": str(r.randint(12, 950)),
            "pct": str(r.randint(2, 9)),
            "day": r.choice(DAYS),
            "month": r.choice(MONTHS),
            "year": str(r.randint(1995, 2023)),
        }

    def sentence(self) -> str:
        text = self.r.choice(TEMPLATES).format(**self.slots())
        return text[0].upper() + text[1:]

    def headline(self) -> str:
        s = self.slots()
        caps = {k.capitalize(): v[0].upper() + v[1:] for k, v in s.items()}
        org = self.orgs[0].split(" ", 1)
        s |= caps | {"Place": org[0], "orgkind": org[1], "Org": self.orgs[0]}
        return self.r.choice(HEADLINES).format(**s)

    def stance_sentence(self, claim: BenchClaim, stance: int) -> str:
        r = self.r
        s = self.slots()
        speaker = f"{r.choice(ROLES)} {r.choice(FIRST)} {r.choice(LAST)}"
        event = r.choice(claim.events).format(**s)
        s |= {"speaker": speaker, "event": event, "Event": event[0].upper() + event[1:]}
        text = r.choice(STANCE_TEMPLATES[stance]).format(**s)
        return text[0].upper() + text[1:]

    def article(self, index: int) -> BenchArticle:
        r = self.r
        sentences = [self.sentence() for _ in range(r.randint(22, 42))]
        claim = claim_of(index)
        title = self.headline()
        if claim is not None:
            title = r.choice(claim.headlines)
            stance = r.choices(range(3), weights=claim.lean)[0]
            about = [b.format(**self.slots()) for b in r.sample(claim.background, r.randint(1, 2))]
            for _ in range(r.randint(3, 7)):
                about.append(self.stance_sentence(claim, stance if r.random() < 0.8 else r.randrange(3)))
            r.shuffle(about)
            sentences[:0] = [about.pop()]  # the lead is about the claim
            for line in about:
                sentences.insert(r.randint(1, len(sentences)), line)
        cuts = sorted(r.sample(range(1, len(sentences)), r.randint(3, 6)))
        paragraphs = tuple(
            " ".join(sentences[a:b]) for a, b in zip([0, *cuts], [*cuts, len(sentences)], strict=True)
        )
        published = BASE_DATE + timedelta(seconds=index * 86400 / ARTICLES_PER_DAY + r.randint(0, 600))
        return BenchArticle(
            index=index,
            title=title,
            paragraphs=paragraphs,
            published=published,
            outlet=self.outlet[0],
            domain=self.outlet[1],
            author=f"{r.choice(FIRST)} {r.choice(LAST)}",
            claim=claim.id if claim else None,
        )


def article(seed: int, index: int) -> BenchArticle:
    """Article `index` of the corpus of `seed` (the same in every process)."""
    return _Writer(seed, index).article(index)


# ---------------------------------------------------------------------------------------------------
# Files and feeds


def as_file(a: BenchArticle, kind: str) -> str:
    """The article as a file the folder source reads: txt (date marker, title line, body), md (YAML front
    matter), json (one object) or html (a whole page with navigation and footer, read by trafilatura)."""
    if kind == "txt":
        return f"date {a.published:%Y-%m-%d}\n{a.title}\n\n{a.body}\n"
    if kind == "md":
        front = {"title": a.title, "date": a.published.isoformat(), "url": a.url}
        front |= {"outlet": a.outlet, "author": a.author}
        meta = "\n".join(f"{k}: {json.dumps(v)}" for k, v in front.items())
        return f"---\n{meta}\n---\n# {a.title}\n\n{a.body}\n"
    if kind == "json":
        record = {"title": a.title, "text": a.body, "published": a.published.isoformat(), "url": a.url}
        record |= {"outlet": a.outlet, "author": a.author}
        return json.dumps(record, ensure_ascii=False)
    if kind == "html":
        return _page(a)
    raise ValueError(f"unknown file kind {kind!r}; known: {', '.join(FORMATS)}")


def _page(a: BenchArticle) -> str:
    e = html.escape
    paragraphs = "\n".join(f"<p>{e(p)}</p>" for p in a.paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(a.title)} | {e(a.outlet)}</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:site_name" content="{e(a.outlet)}">
<meta name="author" content="{e(a.author)}"><link rel="canonical" href="{e(a.url)}">
<meta property="article:published_time" content="{a.published.isoformat()}"></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a>
<a href="/business">Business</a> <a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{e(a.title)}</h1><p class="byline">By {e(a.author)}, {a.published:%d %B %Y}</p>
{paragraphs}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/a">Weather warning for the weekend</a></li>
<li><a href="/b">Five things to do this week</a></li></ul></aside>
<footer><p>&copy; {e(a.outlet)}. All rights reserved.</p><a href="/privacy">Privacy</a></footer></body></html>
"""


def write_folder(folder: Path, seed: int, indices: range, formats: Sequence[str] = FORMATS) -> None:
    """Write articles `indices` into `folder` (created), cycling through `formats`."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in indices:
        kind = formats[index % len(formats)]
        (folder / f"{index:07d}.{kind}").write_text(as_file(article(seed, index), kind), encoding="utf-8")


def feed_body(seed: int, feed: int, entries: int) -> bytes:
    """RSS 2.0 feed `feed`: articles feed * entries ... + entries - 1, each with its whole text in
    content:encoded and its first paragraph as the description."""
    e = html.escape
    items = []
    for index in range(feed * entries, (feed + 1) * entries):
        a = article(seed, index)
        content = "".join(f"<p>{e(p)}</p>" for p in a.paragraphs)
        items.append(
            f"<item><guid isPermaLink='false'>bench-{seed}-{index}</guid><title>{e(a.title)}</title>"
            f"<link>{e(a.url)}</link><dc:creator>{e(a.author)}</dc:creator>"
            f"<pubDate>{format_datetime(a.published)}</pubDate>"
            f"<description>{e(a.paragraphs[0])}</description>"
            f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
        )
    head = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Bench feed {feed}</title><link>https://feeds.example/{feed}</link>"
        f"<description>Generated feed {feed}</description>"
    )
    return (head + "".join(items) + "</channel></rss>").encode()


def serve_feeds(port_out: Any, seed: int, feeds: int, entries: int) -> None:
    """The feed server (run in its own process): builds every feed body first, then publishes its port
    in `port_out` and answers GET /N.xml, with 304 Not Modified for a matching If-None-Match."""
    bodies = [feed_body(seed, feed, entries) for feed in range(feeds)]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            try:
                feed = int(self.path.strip("/").split(".")[0].split("/")[-1])
                body = bodies[feed]
            except (ValueError, IndexError):
                self.send_error(404)
                return
            etag = f'"{seed}-{feed}-{entries}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.value = server.server_address[1]
    server.serve_forever()


@contextlib.contextmanager
def feed_server(seed: int, feeds: int, entries: int) -> Iterator[int]:
    """Serve the feeds from a separate process on 127.0.0.1; yields its port."""
    import multiprocessing

    port = multiprocessing.Value("i", 0)
    process = multiprocessing.Process(target=serve_feeds, args=(port, seed, feeds, entries), daemon=True)
    process.start()
    try:
        while port.value == 0:
            if not process.is_alive():
                raise RuntimeError("the feed server died while building its feeds")
            time.sleep(0.05)
        yield int(port.value)
    finally:
        process.terminate()
        process.join(timeout=10)


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every end-to-end bench has: the corpus, the database, the output, the child."""
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus (default 1)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="file kinds of the folder, cycled")
    parser.add_argument(
        "--database-url", help="a PostgreSQL server to measure on (a scratch database is made on it)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", help=argparse.SUPPRESS)


# ---------------------------------------------------------------------------------------------------
# Checking the corpus


def check(articles: int, seed: int, show: int) -> None:
    import tempfile

    from monitor.analysis.analyzer import Analyzer
    from monitor.analysis.match import ClaimMatcher
    from monitor.analysis.stance import build_engine
    from monitor.config.rules import load_rules
    from monitor.domain import RawDocument
    from monitor.ingest.article import to_article
    from monitor.ingest.dedupe import fingerprint
    from monitor.ledger.stories import cluster, shingles

    started = time.perf_counter()
    corpus = [article(seed, i) for i in range(articles)]
    seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "rules.yaml")
        path.write_text(rules_yaml(folder_source(Path(tmp)), engine="rules"))
        rules = load_rules(path)
    analyzer = Analyzer(rules.topics, rules.claims, build_engine("rules", {}))
    matchers = [ClaimMatcher(c.spec()) for c in rules.claims]
    found: Counter[str] = Counter()
    stray = 0
    evidence = 0
    docs = [
        to_article(
            RawDocument(
                source="bench", key=str(a.index), content_hash="", title=a.title, text=a.body,
                observed=a.published, url=a.url, outlet=a.outlet, author=a.author, published=a.published,
            )
        )
        for a in corpus
    ]  # fmt: skip
    for a, doc in zip(corpus, docs, strict=True):
        if a.claim is None:
            stray += any(m.mentions(doc.text) for m in matchers)
            continue
        verdicts = analyzer.analyze(doc).verdicts
        found.update(v.claim_id for v in verdicts if v.claim_id == a.claim)
        evidence += sum(len(v.evidence) for v in verdicts)
    relevant_count = sum(a.claim is not None for a in corpus)
    prints = {fingerprint(doc) for doc in docs}
    groups = cluster([(str(a.index), a.body) for a in corpus])
    rng = random.Random(seed)
    sets = [shingles(a.body) for a in corpus]
    pairs = [rng.sample(range(len(corpus)), 2) for _ in range(min(20_000, len(corpus) ** 2))]
    jaccards = [len(sets[i] & sets[j]) / len(sets[i] | sets[j]) for i, j in pairs]
    words = [a.words for a in corpus]
    print(f"corpus    {articles} articles (seed {seed}), generated in {seconds:.1f} s")
    print(f"words     mean {statistics.mean(words):.0f}, min {min(words)}, max {max(words)} per article")
    print(
        f"relevant  {relevant_count} ({relevant_count / articles:.1%}); the rules engine finds its claim in "
        f"{sum(found.values())}, {evidence} evidence sentences; "
        f"irrelevant articles naming a claim entity: {stray}"
    )
    print("by claim  " + ", ".join(f"{c.id} {found[c.id]}" for c in CLAIMS))
    print(f"dedupe    {len(prints)} distinct fingerprints")
    multi = [g for g in groups if len(g) > 1]
    print(f"stories   {len(groups)} (stories of more than one article: {len(multi)})")
    print(f"jaccard   5-shingles, {len(pairs)} random pairs: mean {statistics.mean(jaccards):.4f}, "
          f"max {max(jaccards):.4f}")  # fmt: skip
    for a in [a for a in corpus if a.claim][:show]:
        print(
            f"\n--- article {a.index} ({a.claim}, {a.outlet}, {a.published:%Y-%m-%d})\n{a.title}\n\n{a.body}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000, help="articles to generate and check")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus (default 1)")
    parser.add_argument("--show", type=int, default=0, help="print the first N relevant articles")
    args = parser.parse_args()
    check(args.articles, args.seed, args.show)


if __name__ == "__main__":
    main()
