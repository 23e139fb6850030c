"""The 20 claims the end-to-end benches track, and the rules file that tracks them (bench/corpus.py
writes the articles about them; bench/ingest.py and bench/memory.py run the monitor with these rules).

Each claim has, besides what the rules file says (the claim, its entities, keywords and topics), what
the generator needs: wordings of the claim for stance sentences, background sentences that name its
entity without stating it, headlines, and how often its articles confirm, contradict or discuss it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# ---------------------------------------------------------------------------------------------------
# The tracked claims


@dataclass(frozen=True)
class BenchClaim:
    """A tracked claim (as in the rules file) and what the generator needs to write about it."""

    id: str
    claim: str
    entities: tuple[str, ...]
    keywords: tuple[str, ...]
    topics: tuple[str, ...]
    events: tuple[str, ...]
    """Wordings of the claim as a clause ("Tesla is cutting {n} jobs ..."), for stance sentences."""
    background: tuple[str, ...]
    """Sentences naming the claim's entity (and its topic's words) without stating the claim."""
    headlines: tuple[str, ...]
    lean: tuple[float, float, float]
    """Weights of articles that confirm, contradict and discuss the claim."""


TOPICS: tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...] = (
    ("energy", (), ("gas", "LNG", "energy", "electricity")),
    ("aviation", (), ("aircraft", "airline", "airlines", "flights", "jets", "planes")),
    (
        "monetary-policy",
        (),
        ("inflation", "interest rate", "interest rates", "central bank", "borrowing costs"),
    ),
    ("shipping", (), ("shipping", "ships", "vessels", "container", "freight", "maritime")),
    ("climate", (), ("climate", "temperatures", "warming", "ocean", "sea ice")),
    ("france-sahel", (("France", "French", "Paris", "Macron"),), ()),
    ("food-trade", (), ("rice", "grain", "exports", "food prices")),
)
"""(name, `all` terms (each a list of aliases), `any` terms) of the rules file's topics."""

CLAIMS = (
    BenchClaim(
        "eu-gas-price-cap",
        "EU energy ministers have agreed a cap on wholesale gas prices",
        ("European Union", "EU", "Brussels"),
        ("cap", "price cap", "ceiling", "agreed", "agreement", "deal"),
        ("energy",),
        ("EU energy ministers have agreed a cap of {n} euros per megawatt hour on wholesale gas prices",
         "the EU has reached a deal on a ceiling for gas prices",
         "ministers in Brussels agreed to cap wholesale gas prices from next month"),
        ("Gas prices in the EU have swung sharply since the winter, and energy bills remain high.",
         "The European Union now imports much of its gas as LNG by sea."),
        ("EU ministers strike deal on gas price cap", "Brussels divided over ceiling on gas prices"),
        (0.6, 0.2, 0.2),
    ),
    BenchClaim(
        "boeing-max9-grounded",
        "US regulators have grounded Boeing 737 MAX 9 jets after a door panel blew out in flight",
        ("Boeing", "737 MAX", "FAA", "Federal Aviation Administration"),
        ("grounded", "grounding", "grounds", "inspections", "door panel", "jets", "halted"),
        ("aviation",),
        ("the FAA has grounded {n} Boeing 737 MAX 9 jets until they are inspected",
         "Boeing 737 MAX 9 jets have been grounded after a door panel blew out",
         "the Federal Aviation Administration ordered airlines to halt flights of the 737 MAX 9"),
        ("Boeing shares fell in early trading as airlines reviewed their flights for the week.",
         "Boeing delivered fewer aircraft last quarter than analysts had expected."),
        ("Boeing 737 MAX 9 jets grounded after mid-air blowout",
         "Airlines scramble as FAA orders 737 MAX checks"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "fed-rate-cut",
        "The Federal Reserve has cut its benchmark interest rate",
        ("Federal Reserve", "FOMC", "Jerome Powell", "Powell"),
        ("cut", "cuts", "lowered", "rate cut", "interest rate", "basis points"),
        ("monetary-policy",),
        ("the Federal Reserve has cut its benchmark interest rate by a quarter of a percentage point",
         "the FOMC voted to lower interest rates for the first time since 2020",
         "Jerome Powell and his colleagues cut the interest rate at their meeting this week"),
        ("Inflation in the United States has slowed, but Powell has said the Federal Reserve is in no hurry.",
         "Markets had priced in a move on interest rates by the Federal Reserve before the summer."),
        ("Federal Reserve cuts rates as inflation cools", "Powell signals patience on interest rates"),
        (0.4, 0.3, 0.3),
    ),
    BenchClaim(
        "chile-lithium-control",
        "Chile is taking state control of its lithium industry",
        ("Chile", "Chilean", "Codelco", "SQM"),
        ("lithium", "state control", "nationalise", "nationalisation", "majority stake", "state-owned"),
        (),
        ("Chile will take state control of its lithium industry through Codelco",
         "the Chilean state is to hold a majority stake in every new lithium project",
         "Codelco will take a majority stake in the lithium business of SQM"),
        ("Chile holds some of the largest reserves of the metal in the world, mostly in the Atacama desert.",
         "Shares in SQM fell {pct} percent in Santiago on {day}."),
        ("Chile moves to take control of lithium industry", "Investors weigh Chile's lithium plan"),
        (0.5, 0.2, 0.3),
    ),
    BenchClaim(
        "who-mpox-emergency",
        "The WHO has declared mpox a global public health emergency",
        ("WHO", "World Health Organization", "Tedros"),
        ("emergency", "declared", "declaration", "mpox", "outbreak"),
        (),
        ("the WHO has declared the mpox outbreak a public health emergency of international concern",
         "the World Health Organization declared mpox a global health emergency on {day}",
         "Tedros declared the spread of mpox a global emergency"),
        ("The World Health Organization said cases had been reported in {n} districts.",
         "Tedros met health ministers from the region on {day}."),
        ("WHO declares mpox a global health emergency", "Health experts debate WHO mpox response"),
        (0.6, 0.15, 0.25),
    ),
    BenchClaim(
        "tesla-gruenheide-jobs",
        "Tesla is cutting jobs at its factory near Berlin",
        ("Tesla", "Gruenheide", "Grünheide"),
        ("jobs", "job cuts", "layoffs", "redundancies", "workforce", "cutting", "staff"),
        (),
        ("Tesla is cutting about {n} jobs at its Gruenheide factory",
         "Tesla will shed staff at its plant in Grünheide near Berlin",
         "the workforce at the Tesla plant in Gruenheide is being reduced by {n} people"),
        ("Tesla opened the Gruenheide plant, its first in Europe, in 2022.",
         "Sales of Tesla cars in Germany have weakened since subsidies ended."),
        ("Tesla to cut jobs at German plant", "Tesla's Gruenheide workers wait for news"),
        (0.55, 0.3, 0.15),
    ),
    BenchClaim(
        "panama-canal-limits",
        "Drought has forced the Panama Canal to limit ship crossings",
        ("Panama Canal", "Panama Canal Authority"),
        ("drought", "crossings", "transits", "restrictions", "limit", "water levels"),
        ("shipping",),
        ("the Panama Canal Authority has cut daily crossings to {n} ships because of the drought",
         "low water levels have forced the Panama Canal to limit transits",
         "drought has led the Panama Canal to impose restrictions on the number of ships"),
        ("The Panama Canal handles about five percent of maritime trade.",
         "Ships waiting to enter the Panama Canal queued for up to {n} hours."),
        ("Drought forces Panama Canal to cut crossings", "Shippers count the cost of Panama Canal queues"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "france-niger-withdrawal",
        "France is withdrawing its troops from Niger",
        ("Niger", "Niamey"),
        ("troops", "soldiers", "withdraw", "withdrawal", "withdrawing", "pull out", "military", "base"),
        ("france-sahel",),
        ("France is withdrawing its {n} troops from Niger by the end of the year",
         "French soldiers have begun to leave their base in Niamey",
         "Paris will pull out its military from Niger"),
        ("The government in Niamey took power in July and asked the French ambassador to leave.",
         "France has had forces in Niger and its neighbours for more than a decade."),
        ("France to pull troops out of Niger", "Niger's junta demands French exit"),
        (0.6, 0.2, 0.2),
    ),
    BenchClaim(
        "us-tiktok-ban",
        "The United States has banned TikTok",
        ("TikTok", "ByteDance"),
        ("ban", "banned", "banning", "prohibited", "divest", "outlawed"),
        (),
        ("TikTok has been banned in the United States",
         "the United States has banned TikTok unless ByteDance sells it",
         "app stores have been told to stop offering TikTok after the ban took effect"),
        ("TikTok says it has about {n} million users in the United States.",
         "ByteDance, which owns TikTok, is based in Beijing."),
        ("US moves to ban TikTok", "TikTok users brace for ban"),
        (0.35, 0.45, 0.2),
    ),
    BenchClaim(
        "evergrande-liquidation",
        "A Hong Kong court has ordered China Evergrande to be liquidated",
        ("Evergrande", "China Evergrande"),
        ("liquidation", "liquidated", "wind up", "winding-up", "court", "creditors"),
        (),
        ("a Hong Kong court has ordered Evergrande to be liquidated",
         "the court issued a winding-up order against China Evergrande on {day}",
         "Evergrande is to be liquidated after talks with creditors failed"),
        ("Evergrande has more than {n} billion dollars in liabilities.",
         "Evergrande shares were suspended in Hong Kong on {day}."),
        ("Hong Kong court orders Evergrande liquidation",
         "What Evergrande's fate means for China's property market"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "openai-altman-return",
        "Sam Altman has returned as chief executive of OpenAI",
        ("OpenAI", "Sam Altman", "Altman"),
        ("chief executive", "CEO", "returned", "return", "reinstated", "board"),
        (),
        ("Sam Altman has returned as chief executive of OpenAI",
         "OpenAI has reinstated Altman as CEO under a new board",
         "Altman will return to OpenAI as chief executive"),
        ("OpenAI makes the ChatGPT chatbot, which has about {n} million weekly users.",
         "Microsoft has invested billions of dollars in OpenAI."),
        ("Altman back at OpenAI after boardroom drama", "OpenAI staff threaten to quit"),
        (0.5, 0.3, 0.2),
    ),
    BenchClaim(
        "el-nino-developed",
        "El Niño conditions have developed in the Pacific",
        ("El Niño", "El Nino", "NOAA"),
        ("conditions", "developed", "declared", "arrived", "emerged"),
        ("climate",),
        ("El Niño conditions have developed in the tropical Pacific",
         "NOAA has declared the arrival of El Nino",
         "El Niño has emerged and is expected to strengthen into the winter"),
        ("El Niño years tend to raise global temperatures.",
         "NOAA forecasters track ocean temperatures across the Pacific every week."),
        ("El Niño is here, forecasters say", "What El Nino could mean for the harvest"),
        (0.65, 0.15, 0.2),
    ),
    BenchClaim(
        "antarctic-sea-ice-low",
        "Antarctic sea ice has shrunk to a record low",
        ("Antarctic", "Antarctica"),
        ("sea ice", "record low", "shrunk", "extent", "lowest", "melting"),
        ("climate",),
        ("Antarctic sea ice has shrunk to its lowest extent on record",
         "sea ice around Antarctica fell to a record low of {n} thousand square kilometres",
         "the extent of Antarctic sea ice is the lowest since satellite records began"),
        ("Scientists have warned that the ocean around Antarctica is warming faster than expected.",
         "Research stations in the Antarctic recorded unusually mild temperatures in {month}."),
        ("Antarctic sea ice hits record low", "Scientists puzzle over Antarctic ice"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "red-sea-diversions",
        "Shipping companies are diverting vessels away from the Red Sea after Houthi attacks",
        ("Houthi", "Houthis", "Red Sea", "Maersk"),
        ("diverting", "diverted", "rerouting", "vessels", "ships", "attacks", "Cape of Good Hope"),
        ("shipping",),
        ("Maersk is diverting all its vessels away from the Red Sea",
         "shipping companies have rerouted {n} ships around the Cape of Good Hope after Houthi attacks",
         "container lines are diverting vessels from the Red Sea because of the Houthis"),
        ("The Red Sea route carries about a tenth of world shipping trade.",
         "Freight rates between Asia and Europe rose {pct} percent after the Red Sea disruption."),
        ("Shipping giants avoid Red Sea after attacks", "Red Sea attacks push up freight rates"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "argentina-dollarisation",
        "Argentina is adopting the US dollar as its currency",
        ("Argentina", "Argentine", "Milei"),
        ("dollarisation", "dollarization", "dollar", "peso", "currency", "adopt", "adopting"),
        (),
        ("Argentina will adopt the US dollar as its official currency",
         "Milei has begun replacing the peso with the dollar",
         "the Argentine government is adopting the dollar in place of the peso"),
        ("Annual inflation in Argentina has passed {n} percent.",
         "Milei took office in December promising to shrink the state."),
        ("Argentina's Milei pushes dollar plan", "Economists doubt Argentina can ditch the peso"),
        (0.25, 0.5, 0.25),
    ),
    BenchClaim(
        "fukushima-water-release",
        "Japan has begun releasing treated water from the Fukushima plant into the sea",
        ("Fukushima", "TEPCO"),
        ("treated water", "release", "releasing", "released", "discharge", "sea", "ocean"),
        (),
        ("TEPCO has begun releasing treated water from the Fukushima plant into the Pacific",
         "the discharge of treated water from Fukushima into the sea started on {day}",
         "Japan has released the first {n} tonnes of treated water from Fukushima"),
        ("The Fukushima plant was wrecked by the tsunami of March 2011.",
         "TEPCO stores the water in more than {n} tanks at the site."),
        ("Japan starts Fukushima water release", "Fishermen fear for Fukushima catch"),
        (0.75, 0.1, 0.15),
    ),
    BenchClaim(
        "india-rice-export-ban",
        "India has banned exports of non-basmati white rice",
        ("India", "Indian", "New Delhi"),
        ("rice", "exports", "export ban", "banned", "non-basmati"),
        ("food-trade",),
        ("India has banned exports of non-basmati white rice",
         "New Delhi ordered a halt to white rice exports with immediate effect",
         "the Indian government has stopped exports of non-basmati rice to keep prices down"),
        ("India accounts for about {pct}0 percent of world rice exports.",
         "Food prices in India rose sharply after a weak monsoon."),
        ("India bans rice exports", "Rice prices jump after Indian export curbs"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "binance-zhao-plea",
        "Binance founder Changpeng Zhao has pleaded guilty to breaking US anti-money-laundering laws",
        ("Binance", "Changpeng Zhao", "Zhao"),
        ("pleaded guilty", "guilty", "plea", "money laundering", "charges", "stepped down"),
        (),
        ("Changpeng Zhao has pleaded guilty to breaking US anti-money-laundering laws",
         "Binance and its founder Zhao admitted the charges in a Seattle court",
         "Zhao stepped down as chief executive of Binance and pleaded guilty"),
        ("Binance is the largest cryptocurrency exchange in the world by trading volume.",
         "Binance has about {n} million users around the world."),
        ("Binance's Zhao pleads guilty", "Crypto markets shrug off Binance settlement"),
        (0.7, 0.1, 0.2),
    ),
    BenchClaim(
        "rhodes-wildfire-evacuation",
        "Wildfires have forced the evacuation of thousands of people on Rhodes",
        ("Rhodes",),
        ("wildfire", "wildfires", "evacuated", "evacuation", "fire", "blaze", "tourists"),
        (),
        ("wildfires have forced the evacuation of {n} thousand people on Rhodes",
         "tourists were evacuated from hotels on Rhodes as a fire spread",
         "the blaze on Rhodes forced thousands of tourists to leave"),
        ("Rhodes is one of the most popular holiday islands in Greece.",
         "Temperatures on Rhodes passed 40 degrees on {day}."),
        ("Thousands flee wildfires on Rhodes", "Holidaymakers on Rhodes describe chaos"),
        (0.75, 0.1, 0.15),
    ),
    BenchClaim(
        "ecb-rates-unchanged",
        "The European Central Bank has kept interest rates unchanged",
        ("European Central Bank", "ECB", "Christine Lagarde", "Lagarde"),
        ("unchanged", "held", "hold", "kept", "pause", "deposit rate", "interest rates"),
        ("monetary-policy",),
        ("the European Central Bank has kept interest rates unchanged",
         "the ECB held its deposit rate at four percent",
         "Lagarde said the ECB would keep interest rates on hold for now"),
        ("Inflation in the euro area has fallen to about {pct} percent, the ECB said.",
         "Lagarde will speak to reporters after the ECB meeting on {day}."),
        ("ECB holds rates steady", "Lagarde faces pressure over interest rates"),
        (0.5, 0.25, 0.25),
    ),
)  # fmt: skip


def rules_yaml(
    sources: str, *, engine: str, workers: int = 8, per_host: int = 2, analysis_workers: int | None = None
) -> str:
    """A rules file with `sources` (YAML list items, already indented), the topics and the 20 claims.
    No alert routes: MONITOR_NOTIFY_URLS (Settings.notify_urls) receives every alert when set."""

    def terms(values: Sequence[str]) -> str:
        return json.dumps(list(values))

    lines = [f"sources:\n{sources.rstrip()}", "topics:"]
    for name, all_terms, any_terms in TOPICS:
        lines.append(f"  - name: {name}")
        if all_terms:
            lines.append("    all: [" + ", ".join(terms(t) for t in all_terms) + "]")
        if any_terms:
            lines.append(f"    any: {terms(any_terms)}")
    lines.append("claims:")
    for c in CLAIMS:
        lines += [
            f"  - id: {c.id}",
            f"    claim: {json.dumps(c.claim)}",
            f"    entities: {terms(c.entities)}",
        ]
        lines.append(f"    keywords: {terms(c.keywords)}")
        if c.topics:
            lines.append(f"    topics: {terms(c.topics)}")
    polling = f"polling:\n  workers: {workers}\n  per_host: {per_host}"
    if analysis_workers is not None:
        polling += f"\n  analysis_workers: {analysis_workers}"
    lines += [f"stance:\n  kind: {engine}", polling, ""]
    return "\n".join(lines)


def folder_source(path: Path, name: str = "inbox") -> str:
    """A folder source for rules_yaml."""
    return f"  - {{name: {name}, kind: folder, path: {json.dumps(str(path))}, interval: 1h}}\n"


def feed_sources(port: int, feeds: int) -> str:
    """`feeds` feed sources on the local feed server, for rules_yaml."""
    return "".join(
        f"  - {{name: feed-{i:04d}, kind: feed, url: 'http://127.0.0.1:{port}/{i}.xml'}}\n"
        for i in range(feeds)
    )
