"""Dates as notes write them, resolved from the note's own date, and the chronology.

Dates are exact facts, so they are found by pattern and parsed and shifted with
python-dateutil; a date that cannot be resolved is kept as written, never guessed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as date_parser
from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from assistant.casefile.cues import Cues, load_cues
from assistant.casefile.model import Event, Undated
from assistant.review import Sentence

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_FULL_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
#: A weekday as notes write it: in full or cut short ("Tues 14/1", "Sun night").
_WD = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Mon|Tues?|Weds?|Thu(?:rs?)?|Fri|Sat|Sun)"
_YEAR2 = (
    r"(?:19|20)\d\d|['’]\d\d\b"
    r"|\d\d(?!\d|\.\d|:\d|\s*(?:%|am|pm|hours?|hrs?|mins?|weeks?|days?|years?)"
    # not the next day of a list ("12 Jan, 20 Feb"): a two-digit year has no month after it
    rf"|(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b)"
)
#: A two-digit year after a month with a mark: "Feb '24", "Jun-24".
_YEAR_MARKED = r"(?:19|20)\d\d\b|['’]\d\d\b"
_ORD = r"(?:st|nd|rd|th)?"
#: Space inside one date: a line break ends it ("since September.\n\n9 ..." is no day).
_SP = r"[^\S\n]+"
#: Between the items of a list of days: "6th, 7th and 10th", "21st & 28th".
_LIST_SEP = r"(?:\s*,\s*|\s*,?\s+(?:and|&|or)\s+)"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2025-02-14 (ISO, as chronologies exported from case systems write them)
    ("iso", re.compile(r"(?<![\w/.-])(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\w/-])")),
    # 13-Feb-2025, 13-Feb-25 (as case systems print them)
    (
        "dmy",
        re.compile(rf"(?<![\w/.-])(?P<d>[0-3]?\d)-(?P<m>{_MONTH})-(?P<y>(?:19|20)?\d\d)(?![\w/-])"),
    ),
    # 25-26 Jan, 5th-6th April 2025: a span of days, from its first day
    (
        "dmy",
        re.compile(
            rf"(?<![\w/.:-])(?P<d>[0-3]?\d){_ORD}\s*[-–]\s*[0-3]?\d{_ORD}\s+(?:of\s+)?"
            rf"(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b"
        ),
    ),
    # 03/10/2024, 3.10.24, 03-10-2024, 03/10
    (
        "numeric",
        re.compile(
            r"(?<![\w/.:-])(?P<d>[0-3]?\d)(?P<sep>[/.-])(?P<m>[01]?\d)"
            r"(?:(?P=sep)(?P<y>(?:19|20)?\d\d))?(?![\w/%]|[.-]\d)"
        ),
    ),
    # 6th and 20th January, 7th, 8th and 10th Jan: each day of a list takes the month that
    # closes it (the last day is read by the next pattern)
    (
        "dmy",
        re.compile(
            rf"(?<![\w/.:£$-])(?P<d>[0-3]?\d){_ORD}(?=(?:{_LIST_SEP}[0-3]?\d{_ORD})*{_LIST_SEP}"
            rf"[0-3]?\d{_ORD}\s+(?:of\s+)?(?P<m>{_MONTH})\b\.?(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?)"
        ),
    ),
    # Friday (19th), Saturday night (15th), last Friday (14th): the day of the month in brackets
    (
        "wd_d",
        re.compile(
            rf"\b(?:(?:last|next|this)\s+)?(?P<wd>{_WD})\.?(?:\s+(?:night|morning|afternoon|"
            rf"evening|am|pm))?\s*\(\s*(?:the\s+)?(?P<d>[0-3]?\d){_ORD}\s*\)"
        ),
    ),
    # Friday 1 November 2024, 3rd Oct, 3 October 2024
    (
        "dmy",
        re.compile(
            rf"\b(?:(?P<wd>{_WD})\.?,?\s+(?:the\s+)?)?(?P<d>[0-3]?\d){_ORD}{_SP}(?:of{_SP})?"
            rf"(?P<m>{_MONTH})\.?(?:,?{_SP}(?P<y>{_YEAR2}))?\b"
        ),
    ),
    # October 3rd, 2024 / Oct 3
    (
        "mdy",
        re.compile(
            rf"\b(?P<m>{_MONTH})\.?{_SP}(?P<d>[0-3]?\d){_ORD}(?:,?{_SP}(?P<y>{_YEAR_MARKED}))?\b"
            r"(?!\s*(?:years?|months?|weeks?|days?|%|am|pm))"
        ),
    ),
    # October 2024
    # Aug-Sep 2023: a span of months in one year, from its first month
    (
        "my",
        re.compile(rf"\b(?P<m>{_MONTH})\.?\s*[-–]\s*{_MONTH}\.?\s+(?P<y>(?:19|20)\d\d)\b"),
    ),
    # October 2024, Feb '24, Jun-24
    (
        "my",
        re.compile(rf"\b(?P<m>{_MONTH})\.?(?:{_SP}(?P<y>{_YEAR_MARKED})|-(?P<y2>\d\d)(?![\w/-]))"),
    ),
    # February half term, Oct half-term: as coarse as the month
    ("mterm", re.compile(rf"\b(?P<m>{_MONTH})\.?\s+half[- ]?term\b")),
    # in March, since July, end of May (full month names after a preposition only)
    (
        "m",
        re.compile(
            rf"(?:\b(?i:in|since|during|from|until|till|by|before|after|early|late|mid-?|end of|"
            rf"start of|beginning of|last|this|around|about|approx(?:\.|imately)?|circa|for|due)"
            rf"(?:\s+|(?<=-))"
            rf"|~\s*|\(\s*)(?P<m>{_FULL_MONTH}\b|{_MONTH}(?=[\s.,;:)]|$))"
        ),
    ),
    # Monday 4th: a weekday and a day of the month, the month read from the note's date
    ("wd_d", re.compile(rf"\b(?P<wd>{_WD})\.?\s+(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)\b")),
    # summer 2024, in the autumn: a season, as coarse as a year
    (
        "season",
        re.compile(
            r"\b(?:(?P<s1>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter)\s+(?P<y>(?:19|20)\d\d)"
            r"|(?<=\bin the )(?P<s2>spring|summer|autumn|winter)"
            r"|(?<=\bover the )(?P<s3>spring|summer|autumn|winter)"
            r"|(?<=\bsince the )(?P<s4>spring|summer|autumn|winter))\b"
        ),
    ),
    # 2016-2017, 2022-23: a span of years, from its first year
    (
        "y",
        re.compile(
            r"(?<![\w£$/.-])(?P<y>19[5-9]\d|20[0-4]\d)\s?[-–]\s?(?P<y2>(?:19|20)?\d\d)(?![\w/-]|\.\d)"
        ),
    ),
    # 2022 on its own
    ("y", re.compile(r"(?<![\w£$/.-])(?P<y>19[5-9]\d|20[0-4]\d)(?![\w/-]|\.\d)")),
]
_WD_SHORT = r"(?:Mon|Tues?|Weds?|Thu(?:rs?)?|Fri|Sat|Sun)"
_AFTER_WORDS = "|".join(
    rf"(?<=\b{w} )"
    for w in ("on", "since", "before", "after", "by", "until", "till", "from", "re", "of")
)
_RELATIVE = re.compile(
    rf"\b(?P<rel>today|tonight|yesterday|yday|tomorrow|tmrw|last night|"
    rf"this (?:morning|afternoon|evening)|"
    rf"(?:last|next) (?:week|month|year|weekend)|this week|"
    rf"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d{{1,2}}) "
    rf"(?:days?|weeks?|months?|years?) ago|(?:last|this|next) {_WEEKDAY}|"
    rf"(?<=\bon ){_WD}\b(?:\s+(?:night|morning|afternoon|evening))?|"
    # a weekday after a preposition ("since Thursday", "re Sat"), or with its possessive
    # ("Monday's meeting")
    rf"(?:{_AFTER_WORDS})(?-i:{_WEEKDAY}|{_WD_SHORT})\b"
    rf"(?:\s+(?:night|morning|afternoon|evening))?|(?-i:{_WEEKDAY})(?=['’]s\b)|"
    rf"(?-i:{_WD})\s+(?:night|morning|afternoon|evening)|"
    rf"the (?:day|night) before)\b",
    re.IGNORECASE,
)
#: A day or stretch told from the event written before it, not from the note: "the next
#: morning", "that evening", "the same day", "the evening before", "the previous weekend",
#: "2 days later", "a week later". Kind "anaphor"; the anchor is the last date before it
#: that has a day.
_PART_OF_DAY = r"(?:morning|afternoon|evening|night|day)"
_COUNT = r"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
_ANAPHOR = re.compile(
    rf"\b(?:(?:the\s+)?(?P<next>following)\s+(?P<nu>{_PART_OF_DAY}|week(?:end)?)"
    rf"|(?:the\s+)?next\s+(?P<xu>{_PART_OF_DAY})|the\s+next\s+(?P<wu>week(?:end)?)"
    rf"|(?:that|(?:the\s+)?same){_SP}(?P<su>{_PART_OF_DAY})"
    rf"|the\s+(?P<bu>{_PART_OF_DAY}|week(?:end)?)\s+before"
    rf"|the\s+previous\s+(?P<pu>{_PART_OF_DAY}|week(?:end)?)"
    rf"|(?P<n>{_COUNT})\s+(?P<cu>days?|weeks?|wks?)\s+(?P<dir>later|after(?:wards)?|before|earlier))\b",
    re.IGNORECASE,
)
_NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
#: A score or rating just before "8/10" makes it no date. A date of birth is a date: a birth
#: opens a child's chronology, and writers list it as an event.
_NOT_A_DATE_BEFORE = re.compile(
    r"\b(?:scal\w*|score\w*|rated?|rating|at|out of|marks?)\s*[:(]?\s*$",
    re.IGNORECASE,
)
_NOTE_DATE_LABEL = re.compile(
    r"(?:\bdate(?:/time)?(?: of (?:visit|contact|note|referral|meeting|assessment|supervision|"
    r"review|discussion|report|session|call))?|\brecorded|\bwritten|\bcompleted|\bdated|\bheld|"
    r"\breceived|\boccurrence|\bsent)\s*[:\-–]?\s*$",
    re.IGNORECASE,
)
#: A line that is only a date's label before it: "Sent: ", "Date of visit - ".
_HEADER_LINE = re.compile(r"[ \t]*[A-Za-z/ ]{2,30}[:\-–][ \t]*(?:" + _WD + r"\.?,?[ \t]+)?$")
#: "<noun> date" with no colon names that thing's date ("offence date 03/02/2024", "release
#: date 9 May"), not the note's.
_OTHER_DATE = re.compile(r"[a-z]\s+date\s*$", re.IGNORECASE)


@dataclass
class _DateHit:
    start: int
    end: int
    written: str
    kind: str  # numeric, dmy, mdy, my, m, y, relative
    day: int | None = None
    month: int | None = None
    year: int | None = None
    date: dt.date | None = None  # resolved
    precision: str = ""  # day, month, year
    weekday: int | None = None  # "Monday 4th": the weekday that picks the month
    named: str = ""  # a day known by name: "12-25", "easter-21", "12-25/month"


def _year4(y: str | None) -> int | None:
    if not y:
        return None
    n = int(y.lstrip("'’"))
    return n + 2000 if n < 100 else n


def find_dates(text: str, cues: Cues | None = None) -> list[_DateHit]:
    """Every date written in ``text`` (not yet resolved): exact patterns, longest first; the
    days known by name and the nouns an ordinal counts come from the cue words."""
    hits: list[_DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    dotted = bool(_DOTTED_FULL.search(text))
    for kind, pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            a, b = m.span()
            if not free(a, b):
                continue
            g = m.groupdict()
            before = text[max(0, a - 24) : a]
            if kind == "numeric":
                d, mo = int(g["d"]), int(g["m"])
                if not (1 <= d <= 31 and 1 <= mo <= 12):
                    continue
                if (
                    g["sep"] != "/"
                    and not g["y"]
                    and not (g["sep"] == "." and dotted and len(g["d"]) == len(g["m"]) == 2)
                    and not (
                        g["sep"] == "."
                        and _DOTTED_DAY_BEFORE.search(before)
                        and not _NOT_DOTTED_DAY_AFTER.match(text, b)
                    )
                ):
                    continue  # 3.5 or 3-4 is a number or a range, not a date; but "28.03"
                    # is one where the note writes its full dates with dots ("03.04.25")
                if m.group(0) == "24/7" or _NOT_A_DATE_BEFORE.search(before):
                    taken.append((a, b))
                    continue  # "24/7 care", "scaled her worry at 8/10"
                hit = _DateHit(a, b, m.group(0), kind, d, mo, _year4(g["y"]))
            elif kind in ("dmy", "mdy"):
                d = int(g["d"])
                mo = _MONTHS[g["m"].lower()[:3] if g["m"].lower()[:4] != "sept" else "sep"]
                if not 1 <= d <= 31 or _NOT_A_DATE_BEFORE.search(before):
                    taken.append((a, b))  # "born 4 May 2016" is not an event, nor "May 2016"
                    continue
                hit = _DateHit(a, b, m.group(0), kind, d, mo, _year4(g["y"]))
            elif kind == "iso":
                hit = _DateHit(a, b, m.group(0), kind, int(g["d"]), int(g["m"]), int(g["y"]))
            elif kind == "wd_d":
                hit = _DateHit(a, b, m.group(0), kind, int(g["d"]), None, None)
                hit.weekday = _weekday_index(g["wd"])
            elif kind == "season":
                y = g.get("y")
                hit = _DateHit(a, b, m.group(0), kind, None, None, int(y) if y else None)
            elif kind == "my":
                mo = _MONTHS[g["m"].lower()[:3]]
                hit = _DateHit(a, b, m.group(0), kind, None, mo, _year4(g["y"] or g.get("y2")))
            elif kind in ("m", "mterm"):
                a = m.start("m") if kind == "m" else a
                mo = _MONTHS[g["m"].lower()[:3]]
                hit = _DateHit(a, b, text[a:b], "m", None, mo, None)
            else:
                if _NOT_A_DATE_BEFORE.search(before):
                    continue
                y2 = g.get("y2")
                if y2 and (int(g["y"]) // 100 * 100 + int(y2) if len(y2) == 2 else int(y2)) <= int(
                    g["y"]
                ):
                    continue  # "2019-18" is not a span of years
                hit = _DateHit(a, b, m.group(0), kind, None, None, int(g["y"]))
            hits.append(hit)
            taken.append((hit.start, hit.end))
    for m in _MONTH_YEAR.finditer(text):  # "no contact since 03/25": March 2025
        if len(m.group("m")) < len(m.group("y")) == 2:
            continue  # "3/25" is a score; "03/25" and "3/2025" are months
        if free(*m.span()) and not _NOT_A_DATE_BEFORE.search(
            text[max(0, m.start() - 24) : m.start()]
        ):
            hits.append(
                _DateHit(*m.span(), m.group(0), "my", None, int(m.group("m")), _year4(m.group("y")))
            )
            taken.append(m.span())
    words = cues or load_cues()
    for m in words.named_days.finditer(text):  # Christmas Day, Boxing Day, Easter
        if free(*m.span()):
            key = next((k for k, v in m.groupdict().items() if v), "")
            hits.append(_DateHit(*m.span(), m.group(0), "named", named=words.named_day_dates[key]))
            taken.append(m.span())
    for m in _ANAPHOR.finditer(text):
        if free(*m.span()):
            hits.append(_DateHit(m.start(), m.end(), m.group(0), "anaphor"))
            taken.append(m.span())
    for m in _RELATIVE.finditer(text):
        if free(*m.span()):
            hits.append(_DateHit(m.start(), m.end(), m.group(0), "relative"))
            taken.append(m.span())
    for m in _ORDINAL_DAY.finditer(text):  # "on the 27th", "by the 9th", "on 14th"
        a, b = m.start("day"), m.end()
        d = int(m.group("d"))
        if not 1 <= d <= 31 or not free(a, b) or words.ordinal_nouns.match(text, b):
            continue  # "on the 3rd floor", "on the 2nd occasion"
        hits.append(_DateHit(a, b, text[a:b], "day", d))
        taken.append((a, b))
    for h in hits:  # "Tues 14/1", "w/c 6/1": the weekday or week written before a date
        if h.day is None:
            continue
        pre = _DATE_PREFIX.search(text[max(0, h.start - 20) : h.start])
        close = re.match(r"\)", text[h.end : h.end + 1])
        if pre and (not pre.group("paren") or close):  # "Monday (14/10)"
            h.start -= len(pre.group(0))
            h.end += 1 if pre.group("paren") else 0
        time = _TIME_AFTER.match(text[h.end : h.end + 16])
        if time and h.kind in ("numeric", "iso", "dmy", "mdy"):
            h.end += time.end()  # "30/09/2024 21:15": the time goes with its date
        h.written = text[h.start : h.end]
    hits.sort(key=lambda h: h.start)
    for h in hits:  # early 2024, mid-October, the end of April: the part of the month or year
        if h.kind in ("m", "my", "y"):
            pre = _PART_BEFORE.search(text[max(0, h.start - 24) : h.start])
            if pre:
                h.start -= len(pre.group(0))
                h.written = text[h.start : h.end]
    more = []
    for h in hits:  # "(February and August)": the next month of a list of months
        if h.kind == "m":
            n = _NEXT_MONTH.match(text, h.end)
            if n and all(n.end("m") <= x.start or n.start("m") >= x.end for x in hits):
                mo = _MONTHS[n.group("m").lower()[:3]]
                more.append(_DateHit(n.start("m"), n.end("m"), n.group("m"), "m", None, mo))
    if more:
        hits = sorted(hits + more, key=lambda h: h.start)
    return hits


#: "on 22.01", "seen 28.10", "(16/09, 7.10 and 28 Oct)": a day and month with a dot where a
#: date is expected (a time is "at 10.30", and its minutes are rarely a month).
_DOTTED_DAY_BEFORE = re.compile(
    rf"(?:\b(?:on|seen)\s+|(?:\d[/.]\d\d?|\b{_MONTH}),\s+)$", re.IGNORECASE
)
_NOT_DOTTED_DAY_AFTER = re.compile(r"\s*(?:am|pm|hrs?\b|hours|h\b|[-–]\s*\d|to\s+\d)", re.I)
#: A day of the month alone after a preposition: "on the 27th", "by the 9th", "on 14th".
_ORDINAL_DAY = re.compile(
    r"\b(?:on|by|from|until|till|since|before|after)\s+(?P<day>(?:the\s+)?(?P<d>[0-3]?\d)"
    rf"(?:st|nd|rd|th))\b(?!\s*[-–/]|\.\d|\s+(?:of\s+)?{_MONTH}\b)",
    re.IGNORECASE,
)
_NEXT_MONTH = re.compile(rf"\s*(?:,|and|or|&)\s*(?P<m>{_FULL_MONTH}|{_MONTH}(?=[\s.,;:)]|$))\b")
#: Words before a weekday that put it after the note: "by Friday", "before Thursday's meeting".
_DEADLINE_BEFORE = re.compile(r"\b(?:by|until|till|before)\s+$", re.I)
#: Words before a month that put it before the note: "since April", "around July", "(July)".
_PAST_BEFORE = re.compile(r"(?:\b(?:since|around|about|approx\w*\.?|circa)\s+|~\s*|\(\s*)$", re.I)
#: The part of a month or year written before it ("early 2024", "mid-October", "the end of").
_PART_BEFORE = re.compile(
    r"(?:\bthe\s+)?\b(?:(?:early|late)\s+|mid-?\s*|(?:end|start|beginning|middle)\s+of\s+)$",
    re.IGNORECASE,
)
#: A full date written with dots: the note's own style, so "28.03" is a date there too.
_DOTTED_FULL = re.compile(r"(?<![\w.])[0-3]?\d\.[01]?\d\.(?:19|20)?\d\d(?!\w|\.\d)")
#: A month and a two-digit year ("03/25") where no day/month reading fits.
_MONTH_YEAR = re.compile(
    r"(?<![\w/.:£$-])(?P<m>0?[1-9]|1[0-2])/(?P<y>(?:19|20)\d\d|[2-9]\d)(?![\w/%]|[.-]\d)"
)
_DATE_PREFIX = re.compile(
    rf"(?:\b{_WD}\.?,?|\bw/[ce]|\bweek (?:commencing|ending))\s+(?P<paren>\(\s*)?$", re.I
)
#: A clock time written straight after a date, as incident logs do ("21/05/2025 02:10").
_TIME_AFTER = re.compile(r"[ \t]+(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*(?:hrs|hours|am|pm))?(?!\d)")


def _weekday_index(word: str) -> int:
    w = word.lower()[:2]
    return ["mo", "tu", "we", "th", "fr", "sa", "su"].index(w)


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _parse(hit: _DateHit, default_year: int) -> dt.date | None:
    """A written date through dateutil, with the year filled in when the text omits it."""
    if hit.kind in ("numeric", "iso", "dmy", "mdy") and hit.day and hit.month:
        return _safe_date(hit.year or default_year, hit.month, hit.day)
    try:
        parsed = date_parser.parse(
            hit.written,
            dayfirst=True,
            fuzzy=True,
            default=dt.datetime(hit.year or default_year, hit.month or 1, 1),
        )
    except (ValueError, OverflowError):
        return None
    return parsed.date()


def _nearest_year(hit: _DateHit, anchor: dt.date) -> dt.date | None:
    """The reading of a yearless date closest to the anchor (a note's date, or a nearby date)."""
    best: dt.date | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        d = _parse(hit, year)
        if d is not None and (best is None or abs((d - anchor).days) < abs((best - anchor).days)):
            best = d
    return best


def _weekday_and_day(hit: _DateHit, anchor: dt.date) -> dt.date | None:
    """ "Monday 4th": the month near the anchor whose 4th is a Monday, the nearest first."""
    best: dt.date | None = None
    for shift in range(-3, 3):
        first = anchor.replace(day=1) + relativedelta(months=shift)
        d = _safe_date(first.year, first.month, hit.day or 1)
        if d is None or d.weekday() != hit.weekday:
            continue
        if best is None or abs((d - anchor).days) < abs((best - anchor).days):
            best = d
    return best


def _named_day(named: str, anchor: dt.date) -> tuple[dt.date | None, str]:
    """A day known by name ("12-25", "easter-21"; "12-25/month" for a time of the year as
    coarse as its month, listed at its day) in the year nearest the anchor."""
    when, _, precision = named.partition("/")
    best: dt.date | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        if when.startswith("easter"):
            d: dt.date | None = easter(year) + dt.timedelta(days=int(when[6:] or 0))
        else:
            d = _safe_date(year, int(when[:2]), int(when[3:]))
        if d is not None and (best is None or abs((d - anchor).days) < abs((best - anchor).days)):
            best = d
    return best, (precision or "day") if best else ""


def _relative(hit: _DateHit, note: dt.date) -> tuple[dt.date | None, str]:
    rel = hit.written.lower()
    if rel in ("today", "tonight", "last night") or (
        rel.startswith("this ") and not rel.endswith("week")
    ):
        return note, "day"
    if rel == "this week":
        return note, "day"
    if rel in ("yesterday", "yday", "the day before", "the night before"):
        return note - dt.timedelta(days=1), "day"
    if rel in ("tomorrow", "tmrw"):
        return note + dt.timedelta(days=1), "day"
    if rel in ("last week", "last weekend"):
        return note - dt.timedelta(days=7), "day"
    if rel == "next week":
        return note + dt.timedelta(days=7), "day"
    if rel == "last month":
        return note - relativedelta(months=1), "month"
    if rel == "next month":
        return note + relativedelta(months=1), "month"
    if rel == "last year":
        return note - relativedelta(years=1), "year"
    if rel == "next year":
        return note + relativedelta(years=1), "year"
    m = re.match(r"(\w+) (day|week|month|year)s? ago", rel)
    if m:
        word = m.group(1)
        n = int(word) if word.isdigit() else _NUMBERS.get(word, 0)
        unit = m.group(2)
        if unit == "day":
            return note - dt.timedelta(days=n), "day"
        if unit == "week":
            return note - dt.timedelta(weeks=n), "day"
        if unit == "month":
            return note - relativedelta(months=n), "month"
        return note - relativedelta(years=n), "year"
    m = re.match(r"(?:(last|on|this|next) )?([a-z]+)", rel)
    if m and re.fullmatch(_WD, m.group(2), re.I):
        target = _weekday_index(m.group(2))
        if m.group(1) == "next":
            return note + relativedelta(days=1, weekday=target), "day"
        back = (note.weekday() - target) % 7
        if m.group(1) == "last" and back == 0:
            back = 7
        return note - dt.timedelta(days=back), "day"
    return None, ""


#: Relative words too coarse to count a day from: "last week", "3 months ago".
_COARSE_RELATIVE = re.compile(r"\b(?:week|weekend|month|year|ago)s?\b", re.IGNORECASE)


def _anchors(hit: _DateHit) -> bool:
    """Whether "the next day" may count from this date: a date with its day written, or a day
    the note names ("yesterday"), not a stretch ("last week"), a month or a year."""
    if hit.date is None or hit.precision != "day":
        return False
    return hit.kind != "relative" or not _COARSE_RELATIVE.search(hit.written)


def _anaphor(written: str, anchor: dt.date) -> tuple[dt.date | None, str]:
    """ "the next morning" from the date before it; a week is as coarse as its month."""
    m = _ANAPHOR.fullmatch(written)
    if m is None:
        return None, ""
    g = m.groupdict()
    unit = (g["nu"] or g["xu"] or g["wu"] or g["su"] or g["bu"] or g["pu"] or g["cu"] or "").lower()
    week = unit.startswith("w")
    if g["n"]:
        word = g["n"].lower()
        n = int(word) if word.isdigit() else _NUMBERS.get(word, 0)
        days = n * (7 if week else 1) * (-1 if g["dir"].lower() in ("before", "earlier") else 1)
        return anchor + dt.timedelta(days=days), "day"
    step = 7 if week else 1
    if g["su"]:
        step = 0
    elif g["bu"] or g["pu"]:
        step = -step
    return anchor + dt.timedelta(days=step), "month" if week else "day"


def _iso(d: dt.date | None, precision: str) -> str | None:
    if d is None:
        return None
    if precision == "year":
        return f"{d.year:04d}"
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def resolve_dates(text: str, hits: list[_DateHit]) -> dt.date | None:
    """Fill each hit's date: full dates as written, yearless ones from the nearest anchor,
    relative ones ("last week") from the note's own date. Returns the note's date."""
    full = [h for h in hits if h.year and h.day and h.month]
    for h in full:
        h.date, h.precision = _parse(h, h.year or 2000), "day"
    note: dt.date | None = None
    #: each message's or entry's own date, where a line opens with its label ("Sent: ...",
    #: "Date: ..."): the words "today" and "on Thursday" under it count from it
    headers: list[tuple[int, dt.date]] = []
    for h in full:
        before = text[max(0, h.start - 40) : h.start]
        line_start = text.rfind("\n", 0, h.start) + 1
        label = _NOTE_DATE_LABEL.search(before) and not _OTHER_DATE.search(before)
        if h.date and label and _HEADER_LINE.match(text, line_start, h.start):
            headers.append((h.start, h.date))
        if note is None and h.date and (label or (line_start == 0 and h.start < 200)):
            note = h.date
    if note is None:  # a heading's date in the first lines ("Held: 23/1/25", "Duty – 07/10/24")
        head = len("\n".join(text.split("\n")[:3]))
        note = next((h.date for h in full if h.date and h.start < head), None)
    for h in hits:
        if h in full:
            continue
        if h.kind == "relative":
            around = next((d for at, d in reversed(headers) if at < h.start), note)
            if around is not None:
                h.date, h.precision = _relative(h, around)
                if h.date and _DEADLINE_BEFORE.search(text[max(0, h.start - 8) : h.start]):
                    h.date += dt.timedelta(days=7 if h.date < around else 0)  # "by Friday"
            continue
        if h.kind == "anaphor":
            anchor_hit = next(
                (f for f in reversed(hits) if f.start < h.start and _anchors(f)), None
            )
            if anchor_hit is not None and anchor_hit.date is not None:
                h.date, h.precision = _anaphor(h.written, anchor_hit.date)
            continue
        if h.kind == "y":
            h.date, h.precision = dt.date(h.year or 2000, 1, 1), "year"
            continue
        if h.kind == "my":
            h.date, h.precision = dt.date(h.year or 2000, h.month or 1, 1), "month"
            continue
        if h.kind == "season":
            if h.year:
                h.date, h.precision = dt.date(h.year, 1, 1), "year"
            continue
        if h.kind == "day":  # "on the 20th": the month of the dated context before it
            context = [
                f.date
                for f in hits
                if f.start < h.start and f.date and f.precision in ("day", "month")
            ]
            around = context[-1] if context else note
            if around is None:
                around = next((f.date for f in full if f.start > h.start and f.date), None)
            if around is not None:
                h.date, h.precision = _safe_date(around.year, around.month, h.day or 1), "day"
            continue
        anchor = note
        if anchor is None:
            earlier = [f for f in full if f.start < h.start and f.date]
            later = [f for f in full if f.start > h.start and f.date]
            anchor = earlier[-1].date if earlier else later[0].date if later else None
        if anchor is None:
            continue
        if h.kind == "named":
            h.date, h.precision = _named_day(h.named, anchor)
        elif h.kind == "m":
            h.date = _nearest_year(h, anchor)
            h.precision = "month"
            if (
                h.date
                and h.date > anchor
                and _PAST_BEFORE.search(text[max(0, h.start - 16) : h.start])
            ):
                h.date -= relativedelta(years=1)  # "since April", "around July": gone by
        elif h.kind == "wd_d":
            h.date, h.precision = _weekday_and_day(h, anchor), "day"
        else:
            h.date = _nearest_year(h, anchor)
            h.precision = "day"
    return note


_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
]


def _span_words(days: int) -> str:
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days <= 91:
        weeks = round(days / 7)
        return f"{weeks} weeks"
    months = round(days / 30.4)
    return f"{months} months"


def read_chronology(
    text: str, sentences: list[Sentence], cues: Cues, hits: list[_DateHit]
) -> tuple[list[Event], list[Undated]]:
    events: list[Event] = []
    dated_sentences: set[int] = set()
    si = 0
    for h in hits:
        while si < len(sentences) and sentences[si].end <= h.start:
            si += 1
        if si >= len(sentences):
            break
        s = sentences[si]
        if h.kind in ("relative", "anaphor") and h.date is None:
            continue  # "last week" with no date of its own to count from: undated
        dated_sentences.add(si)
        source = ""
        if cues.contact_words.search(s.text):
            firsts = [
                (m.start(), name)
                for name, pat in cues.contact_sources.items()
                for m in [pat.search(s.text)]
                if m
            ]
            if firsts:
                source = min(firsts)[1]
        events.append(
            Event(
                date=text[h.start : h.end],
                iso=_iso(h.date, h.precision),
                text=s.text,
                start=s.start,
                end=s.end,
                date_start=h.start,
                date_end=h.end,
                source=source,
            )
        )
    # in date order; a yearless date that found no anchor goes after the rest, by month/day
    hit_of = {(h.start, h.end): h for h in hits}

    def key(e: Event) -> tuple[int, str, int]:
        h = hit_of[(e.date_start, e.date_end)]
        if h.date is not None:
            return (0, h.date.isoformat(), e.date_start)
        return (1, f"{h.month or 0:02d}-{h.day or 0:02d}", e.date_start)

    events.sort(key=key)
    by_source: dict[str, list[Event]] = {}
    for e in events:
        if e.source and e.iso and len(e.iso) == 10:  # a contact has a day, not just a year
            group = by_source.setdefault(e.source, [])
            group.append(e)
            if len(group) > 1:
                first = hit_of[(group[0].date_start, group[0].date_end)].date
                this = hit_of[(e.date_start, e.date_end)].date
                if first and this:
                    days = (this - first).days
                    nth = _ORDINALS[len(group) - 1] if len(group) <= 10 else f"{len(group)}th"
                    e.note = f"{nth} {e.source} contact in {_span_words(days)}"
    undated = [
        Undated(s.text, s.start, s.end)
        for n, s in enumerate(sentences)
        if n not in dated_sentences
        and cues.event_words.search(s.text)
        and not re.search(r"\b(?:will|to be|plan|should|would|could|may)\b", s.text, re.I)
        and len(s.text.split()) >= 4
    ]
    return events, undated
