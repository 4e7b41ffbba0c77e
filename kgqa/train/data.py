"""Dataset readers: SQuAD JSON, NLI JSON lines, the fixed NLI splits, and derived NLI pairs."""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kgqa.errors import DataNotFoundError
from kgqa.text import split_sentences

logger = logging.getLogger(__name__)

NLI_LABELS = ("entailment", "neutral", "contradiction")
#: label id of RTE/HANS-style "non-entailment": neutral or contradiction, trained with a merged loss
NOT_ENTAILMENT = 3
LABEL_IDS = {
    "entailment": 0,
    "neutral": 1,
    "contradiction": 2,
    "non-entailment": NOT_ENTAILMENT,
    "not_entailment": NOT_ENTAILMENT,
}


@dataclass(frozen=True)
class QAExample:
    """One SQuAD question with its context and reference answers."""

    qid: str
    question: str
    context: str
    answers: tuple[str, ...]
    answer_starts: tuple[int, ...]
    title: str = ""


@dataclass(frozen=True)
class NLIExample:
    """One premise/hypothesis pair with a label id (0-2, or 3 for non-entailment)."""

    premise: str
    hypothesis: str
    label: int
    source: str = ""


def read_squad(path: str | Path) -> list[QAExample]:
    """Read a SQuAD v1.1/v2.0 JSON file (questions without answers get empty ``answers``)."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; set KGQA_DATA or pass the SQuAD file's path")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataNotFoundError(f"{path} is not a SQuAD JSON file ({exc})") from exc
    out = []
    for article in data:
        for para in article["paragraphs"]:
            ctx = para["context"]
            for qa in para["qas"]:
                answers = [a["text"] for a in qa.get("answers", [])]
                starts = [int(a["answer_start"]) for a in qa.get("answers", [])]
                out.append(
                    QAExample(qa["id"], qa["question"], ctx, tuple(answers), tuple(starts), article.get("title", ""))
                )
    return out


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """Rows of a JSON-lines file, with the file and line named in any parse error."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; set KGQA_DATA or pass the file's path")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataNotFoundError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc


def read_nli(path: str | Path, source: str = "") -> list[NLIExample]:
    """Read NLI JSON lines with ``premise``, ``hypothesis`` and a ``label`` name."""
    out = []
    for row in iter_jsonl(path):
        label = str(row.get("label", "")).lower()
        if label not in LABEL_IDS:
            continue
        out.append(NLIExample(row["premise"], row["hypothesis"], LABEL_IDS[label], source or Path(path).stem))
    return out


def mnli_split(data_dir: Path, seed: int = 13) -> tuple[list[NLIExample], list[NLIExample]]:
    """The fixed split of MNLI dev-matched: ``(train_half, heldout_half)``.

    The held-out half (a seeded random half, seed 13) is never trained on and is what
    the model cards report as "MNLI-m held-out".
    """
    rows = read_nli(data_dir / "nli" / "mnli_dev_matched.jsonl", "mnli")
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    half = len(idx) // 2
    held = set(idx[:half])
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def sick_split(data_dir: Path, split: str) -> list[NLIExample]:
    """SICK rows of one split (``train``, ``trial`` or ``test``)."""
    out = []
    for row in iter_jsonl(data_dir / "nli" / "sick.jsonl"):
        if row.get("split") == split and row.get("label") in LABEL_IDS:
            out.append(NLIExample(row["premise"], row["hypothesis"], LABEL_IDS[row["label"]], f"sick_{split}"))
    return out


# --------------------------------------------------------------------------- derived pairs
_WORD = re.compile(r"[A-Za-z]+")


def _wordnet(data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``(noun -> hypernym lemma, adjective -> antonym)`` from the first WordNet sense of each word."""
    wn = data_dir / "kg" / "wordnet3.0"
    hyper: dict[str, str] = {}
    antonym: dict[str, str] = {}
    if not wn.is_dir():
        return hyper, antonym

    def parse_data(path: Path) -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
        synsets = {}
        for line in path.open(encoding="utf-8", errors="replace"):
            if line.startswith("  "):
                continue
            parts = line.split(" | ")[0].split()
            offset, n_words = parts[0], int(parts[3], 16)
            words = [parts[4 + 2 * i].lower() for i in range(n_words)]
            k = 4 + 2 * n_words
            n_ptr = int(parts[k])
            ptrs = [(parts[k + 1 + 4 * j], parts[k + 2 + 4 * j]) for j in range(n_ptr)]
            synsets[offset] = (words, ptrs)
        return synsets

    def first_senses(path: Path) -> dict[str, str]:
        first = {}
        for line in path.open(encoding="utf-8", errors="replace"):
            if line.startswith("  "):
                continue
            parts = line.split()
            lemma, n_syn = parts[0], int(parts[2])
            first[lemma] = parts[-n_syn]
        return first

    nouns = parse_data(wn / "data.noun")
    # only unambiguous nouns: not also verbs or adjectives, at most two noun senses
    other_pos = set(first_senses(wn / "index.verb")) | set(first_senses(wn / "index.adj"))
    n_senses = {
        line.split()[0]: int(line.split()[2])
        for line in (wn / "index.noun").open(encoding="utf-8", errors="replace")
        if not line.startswith("  ")
    }
    for lemma, off in first_senses(wn / "index.noun").items():
        if "_" in lemma or off not in nouns or lemma in other_pos or n_senses.get(lemma, 9) > 2:
            continue
        hyps = [o for sym, o in nouns[off][1] if sym == "@"]
        if hyps and hyps[0] in nouns:
            cand = [w for w in nouns[hyps[0]][0] if "_" not in w]
            if cand and cand[0] != lemma:
                hyper[lemma] = cand[0]
    adjs = parse_data(wn / "data.adj")
    for lemma, off in first_senses(wn / "index.adj").items():
        if "_" in lemma or off not in adjs:
            continue
        ants = [o for sym, o in adjs[off][1] if sym == "!"]
        if ants and ants[0] in adjs:
            cand = [re.sub(r"\(.*\)", "", w) for w in adjs[ants[0]][0] if "_" not in w]
            if cand:
                antonym[lemma] = cand[0]
    return hyper, antonym


def _replace_word(sentence: str, old: str, new: str) -> str:
    out = re.sub(rf"\b{re.escape(old)}\b", new, sentence, count=1)
    # fix the article before a replaced word
    out = re.sub(
        rf"\ba ({re.escape(new)})\b" if new[:1] in "aeiou" else rf"\ban ({re.escape(new)})\b",
        (r"an \1" if new[:1] in "aeiou" else r"a \1"),
        out,
        count=1,
    )
    return out


def wordnet_pairs(data_dir: Path, premises: list[str], limit: int, seed: int) -> list[NLIExample]:
    """Hypernym substitutions (entailment, and neutral in reverse) and antonym substitutions (contradiction)."""
    hyper, antonym = _wordnet(data_dir)
    if not hyper:
        return []
    rng = random.Random(seed)
    sents = list(premises)
    rng.shuffle(sents)
    out: list[NLIExample] = []
    counts = {0: 0, 1: 0, 2: 0}
    per = limit // 3
    skip = {
        "man",
        "woman",
        "person",
        "people",
        "thing",
        "one",
        "group",
        "something",
        "part",
        "way",
        "while",
        "there",
        "their",
        "they",
        "this",
        "that",
        "with",
        "from",
        "into",
        "some",
        "each",
        "other",
        "front",
        "back",
        "side",
        "area",
        "time",
        "stand",
        "near",
    }
    for s in sents:
        words = [w for w in _WORD.findall(s) if len(w) > 3]
        rng.shuffle(words)
        for w in words:
            lw = w.lower()
            if lw in hyper and lw not in skip and w.islower() and not lw.endswith(("ing", "ed", "ly")):
                h = hyper[lw]
                if counts[0] < per:
                    out.append(NLIExample(s, _replace_word(s, w, h), 0, "wordnet_hypernym"))
                    counts[0] += 1
                elif counts[1] < per:
                    out.append(NLIExample(_replace_word(s, w, h), s, 1, "wordnet_hyponym"))
                    counts[1] += 1
                break
            if lw in antonym and w.islower() and counts[2] < per:
                out.append(NLIExample(s, _replace_word(s, w, antonym[lw]), 2, "wordnet_antonym"))
                counts[2] += 1
                break
        if sum(counts.values()) >= 3 * per:
            break
    return out


_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-2][0-9])\b")
_NAME = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)+)\b")


def squad_pairs(examples: list[QAExample], limit: int, seed: int) -> list[NLIExample]:
    """Pairs derived from SQuAD answer sentences.

    Contradiction: the sentence with its answer (a year or a multi-word name)
    swapped for another of the same kind. Entailment: the sentence against the
    clause that holds the answer. Both sides overlap heavily, so the model must
    read the changed words rather than count shared ones.
    """
    rng = random.Random(seed)
    years: list[str] = []
    names: list[str] = []
    sents: list[tuple[str, str]] = []
    for ex in examples:
        if not ex.answers:
            continue
        ans, start = ex.answers[0], ex.answer_starts[0]
        ctx = ex.context
        s0 = max(ctx.rfind(". ", 0, start) + 2, 0) if ctx.rfind(". ", 0, start) >= 0 else 0
        e0 = ctx.find(". ", start)
        sent = ctx[s0 : (e0 + 1 if e0 >= 0 else len(ctx))].strip()
        if not 40 <= len(sent) <= 220 or ans not in sent:
            continue
        if _YEAR.fullmatch(ans):
            years.append(ans)
            sents.append((sent, ans))
        elif _NAME.fullmatch(ans):
            names.append(ans)
            sents.append((sent, ans))
    rng.shuffle(sents)
    out: list[NLIExample] = []
    half = limit // 2
    n_con = n_ent = 0
    for sent, ans in sents:
        pool = years if _YEAR.fullmatch(ans) else names
        if n_con < half:
            other = rng.choice(pool)
            if other != ans and other not in sent:
                out.append(NLIExample(sent, sent.replace(ans, other, 1), 2, "squad_swap"))
                n_con += 1
                continue
        if n_ent < half:
            first = re.split(r"[,;]", sent)[0].strip()
            if ans in first and len(first.split()) >= 5 and first.rstrip(".") != sent.rstrip("."):
                out.append(NLIExample(sent, first.rstrip(".") + ".", 0, "squad_clause"))
                n_ent += 1
        if n_con >= half and n_ent >= half:
            break
    return out


#: how :func:`unrelated_sentence_pairs` pairs paragraphs, alternating
PAIRINGS = ("cross_article", "same_article")


def _plain_sentences(paragraph: str) -> list[str]:
    return [s for s in split_sentences(paragraph) if 8 <= len(s.split()) <= 30]


def unrelated_sentence_pairs(examples: list[QAExample], n: int, seed: int) -> list[tuple[str, str, str]]:
    """``n`` ``(premise, hypothesis, pairing)`` triples of sentences from different SQuAD paragraphs.

    The premise is one or two sentences of a paragraph, the hypothesis a sentence of another
    paragraph, alternately of another article (``cross_article``) and of the same article
    (``same_article``: the same topic, another fact). Such a premise says nothing about the
    hypothesis: neutral in the MultiNLI and SICK convention.

    Raises:
        InputError: if fewer than two articles have two paragraphs with usable sentences.
    """
    from kgqa.errors import InputError

    by_title: dict[str, list[str]] = {}
    for ex in examples:
        paragraphs = by_title.setdefault(ex.title, [])
        if ex.context not in paragraphs and _plain_sentences(ex.context):
            paragraphs.append(ex.context)
    titles = sorted(t for t, ps in by_title.items() if len(ps) >= 2)
    if len(titles) < 2:
        raise InputError("unrelated pairs need at least two articles of two or more paragraphs")
    rng = random.Random(seed)
    out = []
    for k in range(n):
        pairing = PAIRINGS[k % 2]
        a = rng.choice(titles)
        b = a if pairing == "same_article" else rng.choice([t for t in titles if t != a])
        pa, pb = rng.sample(by_title[a], 2) if a == b else (rng.choice(by_title[a]), rng.choice(by_title[b]))
        sa = _plain_sentences(pa)
        i = rng.randrange(len(sa))
        out.append((" ".join(sa[i : i + 2]), rng.choice(_plain_sentences(pb)), pairing))
    return out
