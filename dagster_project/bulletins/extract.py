"""Every figure a bulletin states, with its sentence, scope, activity, kind and doubts.

How a number becomes a figure:
1. Numbers that are dates, years, ordinals, unit numbers ("No. 25") are never figures.
2. The words after the number, up to the next number or clause break, name what it counts:
   an activity phrase, a generic "consultations" qualified by a specialty, or "medical care"
   (all activities). Counts of units, days or people are not figures.
3. A list of several activities before one noun ("211 Specialty, Family Medicine ...
   consultations") or the same activity twice in one sentence ("3,242 surgeries and 65,000
   surgeries") is flagged, not guessed; flagged figures keep a low confidence.
   So are totals without a catalog code ("39 transplants") and consultations of an unnamed
   kind ("1,200 consultas"): kept with a null activity, never guessed.
4. Scope: a state or unit named before the number in the sentence, else the one that opened
   the paragraph, else the bulletin's issuer ("IMSS Oaxaca") or the unit that is the subject
   of its opening sentence, else national.
5. Kind: a percentage near "goal"/"meta" is `goal_pct`; future or planning wording in the
   number's clause is `planned`; everything else `performed`.
6. Day: the bulletin's national day, except in a clause about "the previous national day" /
   "la jornada anterior", which is the day before it in the calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dagster_project.bulletins.frontmatter import Bulletin
from dagster_project.bulletins.jornada import (
    CalendarDay,
    load_calendar,
    previous_day_clause_start,
    previous_jornada,
    recognise_jornada,
)
from dagster_project.bulletins.language import detect_language
from dagster_project.bulletins.lexicon import Lexicon, PhraseMatch, load_lexicon
from dagster_project.bulletins.numbers import NumberMention, find_numbers
from dagster_project.bulletins.scope import (
    NATIONAL,
    Scope,
    ScopeMention,
    UnitCatalog,
    find_scope_mentions,
    load_units,
)
from dagster_project.bulletins.text import Span, fold, paragraphs, sentences

SPECIALTY_ACTIVITIES = ("surgery", "consultation_specialty")
ALL_ACTIVITIES = "all_activities"

_CLAUSE_BREAK = re.compile(
    r"[;:]|\bas well as\b|\basi como\b|\bwhile\b|\bmientras\b|\bamong which\b|\bamong them\b"
    r"|\bentre (?:las|los) (?:que|cuales)\b|\bentre ell[ao]s\b|\bincluding\b|\bincluyendo\b"
    r"|\bwhich\b|\bla cual\b|\blo cual\b|\bthat\b|\bque\b"
)
# A place after the figure counts when introduced as its location: "en el", "in the".
_TRAILING_PLACE = re.compile(
    r"\b(?:en|in|at)\s+(?:el\s+|la\s+|los\s+|the\s+)?(?:(?:estado|state)\s+(?:de|of)\s+)?$"
)
_CONTRAST = re.compile(r";|\bwhile\b|\bmientras\b|\bwhereas\b|\bin turn\b|\ben tanto\b")
_LIST_GAP = re.compile(r"^[\s,]*(?:(?:and|y|e|or|o|u)\s+)?(?:(?:of|de)\s+)?$")
_PLANNED_EN = re.compile(
    r"\bwill\b|\bplans? to\b|\bplanned\b|\bscheduled\b|\bprogrammed\b|\bexpects? to\b"
    r"|\bexpected\b|\bestimated\b|\baims? to\b|\bintends? to\b|\bgoing to\b|\bprojected\b"
    r"|\b(?:goal|target)s? (?:is|are)\b"
    r"|\b(?:goal|target|aim) of (?:carrying|performing|granting|providing|applying|reaching)\b"
)
_PLANNED_ES = re.compile(
    r"\bse preve\b|\bpreve\b|\bprevist[ao]s?\b|\bprogramad[ao]s?\b|\bprogramaron\b"
    r"|\bprogramo\b|\bplanean?\b|\bcontempla\b|\bpretende\b|\bproyecta\b|\bmeta es\b"
    r"|\bcomo meta\b|\bse busca\b|\bse estima\b|\bse espera\b"
    # future tense written without its accent ("se realizaran")
    r"|\b(?:realizar|llevar|otorgar|aplicar|efectuar|brindar|practicar|atender)an?\b"
)
# Future-tense Spanish verbs end in -rá / -rán; the accent is what tells them apart.
_SPANISH_FUTURE = re.compile(r"\b\w+r(?:á|án)\b")
_GOAL = re.compile(
    r"\bgoals?\b|\btargets?\b|\bobjective\b|\bmetas?\b|\bobjetivo\b|\bcumplimiento\b"
    r"|\bcompliance\b|\battainment\b|\bachievement\b"
)
_WORD = re.compile(r"[a-z]+")
# Words that introduce examples of a total rather than restrict it.
_EXAMPLES = re.compile(
    r"\b(?:mainly|mostly|principally|particularly|especially|chiefly|primarily|including|such as"
    r"|principalmente|sobre todo|especialmente|particularmente|destacan|destacando|tales como)\b"
)
# Words that, just before a state's name, make the state the bulletin's issuer.
_ISSUER = re.compile(
    r"(?:\bimss\)?|representation(?: office)?|representacion|\booad|delegacion|delegation)"
    r"(?:\s+(?:in|en|de|del|of|the|state of|estado de))*\s*,?\s*$"
)

# What may precede a unit that is the subject of a bulletin's opening sentence: an article
# and its title ("La Unidad Médica de Alta Especialidad (UMAE)", "The UMAE").
_SUBJECT_PREFIX = re.compile(
    r"\s*(?:(?:la|el|the)\s+)?(?:(?:unidad medica de alta especialidad|high specialty medical"
    r" unit)\s*)?(?:\(?\s*umae\s*\)?\s*)?"
)

BASE_CONFIDENCE = 0.9


@dataclass(frozen=True)
class BulletinFigure:
    bulletin_id: str
    published_date: dt.date | None
    language: str
    jornada_id: str | None
    scope_level: str
    ooad_id: str | None
    unit_id: str | None
    activity: str | None
    specialty: str | None
    quantity: float
    figure_kind: str
    evidence: str
    confidence: float
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flags_text(self) -> str | None:
        return "; ".join(self.flags) if self.flags else None


@dataclass
class _Reading:
    """What the words around one number say it counts."""

    activity: str | None
    specialties: list[str]
    flags: list[str]
    confidence: float


def parse_published_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def extract_figures(
    bulletin_id: str,
    bulletin: Bulletin,
    *,
    lexicon: Lexicon | None = None,
    units: UnitCatalog | None = None,
    calendar: tuple[CalendarDay, ...] | None = None,
) -> list[BulletinFigure]:
    lexicon = lexicon or load_lexicon()
    units = units if units is not None else load_units()
    calendar = calendar if calendar is not None else load_calendar()
    body = bulletin.body
    folded = fold(body)
    language = bulletin.language if bulletin.language in ("en", "es") else detect_language(body)
    published = parse_published_date(bulletin.published_date)
    jornada = recognise_jornada(body, published, calendar)
    bulletin_flags = []
    if jornada.jornada_id is None:
        bulletin_flags.append("jornada_not_recognised")
    elif jornada.basis == "conflict":
        bulletin_flags.append("jornada_ordinal_and_dates_disagree")

    numbers = [n for n in find_numbers(body, language) if n.role == "quantity"]
    all_numbers = find_numbers(body, language)
    default_scope = _bulletin_scope(body, folded, lexicon, units)

    figures: list[BulletinFigure] = []
    for paragraph in paragraphs(body):
        scope = default_scope
        for sentence in sentences(body, paragraph.start, paragraph.end):
            in_sentence = [n for n in numbers if sentence.start <= n.start < sentence.end]
            mentions = find_scope_mentions(folded, sentence.start, sentence.end, lexicon, units)
            lead_end = in_sentence[0].start if in_sentence else sentence.end
            lead = [m for m in mentions if m.start < lead_end]
            if lead:
                scope = lead[-1].scope
            previous_from = previous_day_clause_start(folded[sentence.start : sentence.end])
            sentence_figures: list[BulletinFigure] = []
            for number in in_sentence:
                number_jornada = jornada.jornada_id
                if previous_from is not None and number.start >= sentence.start + previous_from:
                    number_jornada = previous_jornada(jornada.jornada_id, calendar)
                figure_scope = _scope_of_number(folded, number, mentions, scope)
                sentence_figures.extend(
                    _figures_for_number(
                        number,
                        body=body,
                        folded=folded,
                        sentence=sentence,
                        all_numbers=all_numbers,
                        lexicon=lexicon,
                        scope=figure_scope,
                        scope_starts=[m.start for m in mentions],
                        bulletin_id=bulletin_id,
                        published=published,
                        language=language,
                        jornada_id=number_jornada,
                        bulletin_flags=bulletin_flags,
                    )
                )
            figures.extend(_flag_repeats(sentence_figures))
    return figures


def _scope_of_number(
    folded: str, number: NumberMention, mentions: list[ScopeMention], paragraph_scope: Scope
) -> Scope:
    """The place named last before the number; else one named right after it in the same
    sentence ("... 2 mil 500 consultas en el Estado de México Oriente"); else the paragraph's."""
    before = [m for m in mentions if m.end <= number.start]
    if before:
        return before[-1].scope
    after = [
        m
        for m in mentions
        if m.start >= number.end and _TRAILING_PLACE.search(folded[max(0, m.start - 30) : m.start])
    ]
    return after[0].scope if after else paragraph_scope


def _bulletin_scope(body: str, folded: str, lexicon: Lexicon, units: UnitCatalog) -> Scope:
    """A state office's bulletin names itself early: "IMSS Oaxaca", "el IMSS en Chiapas"; a
    unit's bulletin opens with the unit as its subject: "La UMAE Hospital de ... participará"."""
    for paragraph in paragraphs(body)[:3]:
        for mention in find_scope_mentions(folded, paragraph.start, paragraph.end, lexicon, units):
            before = folded[max(paragraph.start, mention.start - 45) : mention.start]
            if mention.scope.level == "ooad" and _ISSUER.search(before):
                return mention.scope
            if _is_subject_unit(mention, folded[paragraph.start : mention.start]):
                return mention.scope
    return NATIONAL


def _is_subject_unit(mention: ScopeMention, before: str) -> bool:
    """A catalog unit named first in its paragraph, with only its title before it."""
    return (
        mention.scope.level == "unit"
        and mention.scope.unit_id is not None
        and _SUBJECT_PREFIX.fullmatch(before) is not None
    )


def _figures_for_number(
    number: NumberMention,
    *,
    body: str,
    folded: str,
    sentence: Span,
    all_numbers: list[NumberMention],
    lexicon: Lexicon,
    scope: Scope,
    scope_starts: list[int],
    bulletin_id: str,
    published: dt.date | None,
    language: str,
    jornada_id: str | None,
    bulletin_flags: list[str],
) -> list[BulletinFigure]:
    sentence_folded = folded[sentence.start : sentence.end]
    # Wording of plans counts from the sentence start or the last contrast ("while", ";").
    contrasts = [m.end() for m in _CONTRAST.finditer(folded, sentence.start, number.start)]
    planning_start = contrasts[-1] if contrasts else sentence.start
    # ... and stops at the next contrast: "1,100 surgeries were performed; 100 percent of the
    # goal of ..." does not make the surgeries planned.
    next_contrast = _CONTRAST.search(folded, number.end, sentence.end)
    planning_end = next_contrast.start() if next_contrast else sentence.end
    if number.is_percent:
        if not _GOAL.search(sentence_folded):
            return []  # "70% alcohol-based gel" is not a figure of the day
        kind = "goal_pct"
    elif _is_planned(
        body[planning_start:planning_end], folded[planning_start:planning_end], language
    ):
        kind = "planned"
    else:
        kind = "performed"

    tail_start = number.end
    tail_end = _tail_end(folded, number, sentence, all_numbers, scope_starts)
    reading = _read_tail(folded, tail_start, tail_end, number, lexicon)
    if reading is None and (
        number.is_percent
        or not number.is_word
        or _names_specialty_only(folded, tail_start, tail_end, lexicon)
    ):
        reading = _read_lead(
            folded, sentence.start, number, all_numbers, tail_start, tail_end, lexicon
        )
    if reading is None:
        reading = _unqualified_consultations(folded, tail_start, tail_end, number, lexicon)
    if reading is None:
        return []

    flags = list(bulletin_flags) + reading.flags
    confidence = reading.confidence
    if scope.flag:
        flags.append(scope.flag)
        confidence -= 0.2
    if jornada_id is None:
        confidence -= 0.3
    evidence = " ".join(body[sentence.start : sentence.end].split())
    quantity = number.value

    def figure(specialty: str | None) -> BulletinFigure:
        return BulletinFigure(
            bulletin_id=bulletin_id,
            published_date=published,
            language=language,
            jornada_id=jornada_id,
            scope_level=scope.level,
            ooad_id=scope.ooad_id,
            unit_id=scope.unit_id,
            activity=reading.activity,
            specialty=specialty,
            quantity=quantity,
            figure_kind=kind,
            evidence=evidence,
            confidence=round(max(confidence, 0.05), 2),
            flags=tuple(flags),
        )

    specialties = reading.specialties if reading.activity in SPECIALTY_ACTIVITIES else []
    if kind == "goal_pct" and len(specialties) > 1:
        # "100 percent of the goal in trauma, urology and nephrology" holds for each of them.
        return [figure(specialty) for specialty in specialties]
    return [figure(specialties[0] if len(specialties) == 1 else None)]


def _is_planned(sentence: str, sentence_folded: str, language: str) -> bool:
    if language == "en":
        return bool(_PLANNED_EN.search(sentence_folded))
    return bool(_SPANISH_FUTURE.search(sentence) or _PLANNED_ES.search(sentence_folded))


def _tail_end(
    folded: str,
    number: NumberMention,
    sentence: Span,
    all_numbers: list[NumberMention],
    scope_starts: list[int],
) -> int:
    """Where the words about this number stop: the next number, place or clause break."""
    following = [n.start for n in all_numbers if number.end <= n.start < sentence.end]
    following += [start for start in scope_starts if number.end <= start < sentence.end]
    end = min(following) if following else sentence.end
    clause = _CLAUSE_BREAK.search(folded, number.end, end)
    return clause.start() if clause else end


def _words_between(folded: str, start: int, end: int) -> int:
    return len(_WORD.findall(folded, start, end))


def _read_tail(
    folded: str, start: int, end: int, number: NumberMention, lexicon: Lexicon
) -> _Reading | None:
    matches = lexicon.figures.find(folded, start, end)
    if not matches:
        return None
    first = matches[0]
    reach = 3 if number.is_word else 4
    if first.synonym.kind == "non_figure" and _words_between(folded, start, first.start) <= 2:
        return None
    heads = [m for m in matches if m.synonym.kind in ("activity", "total", "generic")]
    if not heads or _words_between(folded, start, heads[0].start) > reach:
        return None
    head = heads[0]
    pre_specialties = [
        m.synonym.code for m in matches if m.synonym.kind == "specialty" and m.end <= head.start
    ]
    post_specialties = [m for m in matches if m.synonym.kind == "specialty" and m.start >= head.end]
    if post_specialties and _EXAMPLES.search(folded, head.end, post_specialties[0].start):
        post_specialties = []  # "164 surgeries, mainly in Ophthalmology": examples, not scope
    specialties = _unique(pre_specialties + [m.synonym.code for m in post_specialties])
    flags: list[str] = []
    confidence = BASE_CONFIDENCE

    if head.synonym.kind == "total":
        return _total_reading(head.synonym.code)
    if head.synonym.kind == "generic":
        if specialties:
            return _Reading("consultation_specialty", specialties, flags, confidence)
        listed = _activity_run(folded, matches, head)
        if len(listed) > 1:  # "73 thousand consultations and surgeries"
            codes = ", ".join(_unique([m.synonym.code for m in listed]))
            return _Reading(None, [], [f"several_activities_in_one_figure: {codes}"], 0.2)
        return (
            None  # the lead may say which consultations ("In specialty consultations, 250 visits")
        )

    run = _activity_run(folded, matches, head)
    codes = _unique([m.synonym.code for m in run])
    if len(codes) > 1:
        flags.append("several_activities_in_one_figure: " + ", ".join(codes))
        return _Reading(None, [], flags, 0.2)
    if head.synonym.specialty:
        specialties = _unique([head.synonym.specialty, *specialties])
    return _Reading(head.synonym.code, specialties, flags, confidence)


def _unqualified_consultations(
    folded: str, start: int, end: int, number: NumberMention, lexicon: Lexicon
) -> _Reading | None:
    """ "Se otorgaron 1,200 consultas": a figure, but of which consultations the bulletin does
    not say. Kept without an activity and flagged rather than guessed."""
    matches = lexicon.figures.find(folded, start, end)
    reach = 3 if number.is_word else 4
    if (
        matches
        and matches[0].synonym.kind == "generic"
        and _words_between(folded, start, matches[0].start) <= reach
    ):
        return _Reading(None, [], ["consultations_of_unnamed_kind"], 0.3)
    return None


def _activity_run(folded: str, matches: list[PhraseMatch], head: PhraseMatch) -> list[PhraseMatch]:
    """The head and the activities listed right after it ("Specialty, Family Medicine and ...")."""
    run = [head]
    later = [m for m in matches if m.start >= head.end]
    for match in later:
        if match.synonym.kind not in ("activity", "generic"):
            break
        if not _LIST_GAP.match(folded[run[-1].end : match.start]):
            break
        if match.synonym.kind == "activity":
            run.append(match)
        else:
            break
    return run


_OF = re.compile(r"\s+(?:of|de)\s+(?:(?:the|la|el|los|las)\s+)?$")


def _names_specialty_only(folded: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """ "... 14 of Gynecology and nine of Urology": a number word followed by "of <specialty>"
    repeats the activity named before it."""
    matches = lexicon.figures.find(folded, start, end)
    return bool(
        matches
        and matches[0].synonym.kind == "specialty"
        and _OF.fullmatch(folded[start : matches[0].start])
    )


def _read_lead(
    folded: str,
    sentence_start: int,
    number: NumberMention,
    all_numbers: list[NumberMention],
    tail_start: int,
    tail_end: int,
    lexicon: Lexicon,
) -> _Reading | None:
    """No activity after the number: the nearest one named before it in the same clause."""
    tail = lexicon.figures.find(folded, tail_start, tail_end)
    if tail and tail[0].synonym.kind == "non_figure":
        return None
    # Words after the number that name nothing known ("300 niños") mean it counts something
    # else; only a bare number ("... de cirugías fue de 3 mil 242") takes the activity before it.
    if not tail and _words_between(folded, tail_start, tail_end) > 0 and not number.is_percent:
        return None
    head = _activity_before(folded, sentence_start, number, all_numbers, lexicon)
    if head is None:
        return None
    specialties = [m.synonym.code for m in tail if m.synonym.kind == "specialty"]
    if head.synonym.specialty:
        specialties = [head.synonym.specialty, *specialties]
    if head.synonym.kind == "total":
        return _total_reading(head.synonym.code)
    return _Reading(head.synonym.code, _unique(specialties), ["activity_named_before_number"], 0.75)


def _total_reading(code: str) -> _Reading:
    """ "678 medical care" counts every activity; "39 transplants" counts several catalog
    activities (kidney, cornea, ...) without saying how many of each: kept, but flagged."""
    if code == ALL_ACTIVITIES:
        return _Reading(ALL_ACTIVITIES, [], [], BASE_CONFIDENCE)
    return _Reading(None, [], [f"total_of_several_activities: {code}"], 0.4)


def _activity_before(
    folded: str,
    sentence_start: int,
    number: NumberMention,
    all_numbers: list[NumberMention],
    lexicon: Lexicon,
) -> PhraseMatch | None:
    """The activity named between the previous number and this one; across a chain of
    specialties ("21 surgeries of General Surgery, 14 of Gynecology and nine of Urology") the
    one that opened the chain."""
    previous = [n for n in all_numbers if sentence_start <= n.end <= number.start]
    window_end = number.start
    for earlier in reversed(previous):
        found = lexicon.figures.find(folded, earlier.end, window_end)
        heads = [m for m in found if m.synonym.kind in ("activity", "total")]
        if heads:
            return heads[-1]
        if not any(m.synonym.kind == "specialty" for m in found):
            return None
        window_end = earlier.start
    heads = [
        m
        for m in lexicon.figures.find(folded, sentence_start, window_end)
        if m.synonym.kind in ("activity", "total")
    ]
    return heads[-1] if heads else None


def _flag_repeats(figures: list[BulletinFigure]) -> list[BulletinFigure]:
    """The same activity stated twice in one sentence with different numbers is garbled."""
    seen: dict[tuple, float] = {}
    result = []
    for figure in figures:
        key = (figure.scope_level, figure.ooad_id, figure.unit_id, figure.activity,
               figure.specialty, figure.figure_kind)  # fmt: skip
        if figure.activity and key in seen and seen[key] != figure.quantity:
            figure = _with_flag(
                figure,
                f"same_activity_twice_in_sentence: {seen[key]:g} and {figure.quantity:g}",
                0.3,
            )
        seen.setdefault(key, figure.quantity)
        result.append(figure)
    return result


def _with_flag(figure: BulletinFigure, flag: str, confidence: float) -> BulletinFigure:
    return BulletinFigure(
        **{
            **figure.__dict__,
            "flags": (*figure.flags, flag),
            "confidence": min(figure.confidence, confidence),
        }
    )


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
