"""The Punkt model's sentences of plain one-line text, decided without nupunkt's per-call machinery.

Why: splitting sentences is the largest single cost of a build. For every candidate sentence end,
nupunkt's ``tokenize`` runs a chain of generators, cuts a context string (the word holding the mark
and the next word), word-tokenizes it with its regular expression and decides it; contexts are mostly
unique, so its memo of decisions seldom helps. Here the decision is memoized per word instead.

How it stays exact. Only "plain" text takes the fast path; any other goes to ``tokenize`` whole. Plain
text is one line with single spaces and none at either end (as ``split_sentences`` passes it), and
each mark (".", "?", "!", "…") in it is one of:
- a "." between two letters or digits, or after one and before a word-final comma ("U.S", "3.5", "Inc.,");
- the end of a word: after a character other than a mark, or ending a run of periods ("said...")
  that follows one, with only closing quotes or brackets between it and a space or the text's end.
In such text nupunkt's candidates are exactly the word-final marks with something after them, each
in its own word, so each context is that word (its closing punctuation included) and the next word:
no spaced ellipsis, no "?!" run and no shared context can arise, and tokens never cross a space. In
the word only the last token (the one holding the mark) has a first-pass outcome, so the decision is
nupunkt's own ``_first_pass_outcome`` and ``_second_pass_outcome`` of that token and of the next
word's first token that is not closing punctuation, both taken from the model's word tokenizer. The
vetoes that can still apply (a list enumerator opening the text, closing punctuation before a
lowercase word, the optional "!"/"?" before lowercase rule) are checked as nupunkt checks them, and
sentences starting with closing punctuation go through its ``_realign_boundaries``. The reasoning
reads nupunkt's code, so only the versions in ``VERIFIED`` take the fast path;
tests/test_punkt_fast.py compares both paths on generated text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

# nupunkt versions whose code the equivalence above was checked against (tests compare both paths).
VERIFIED = ("0.8.0",)
# The closing punctuation nupunkt lets trail a sentence end (its _CLOSING_CHARS), as a class body.
_CLOSERS = "\"')\\]}\u201d\u2019\u00bb*"
# Each mark that plain text may hold (see the module docstring); group 1 (empty) is set when the mark
# ends its word. Text is plain when this matches every mark in it. Each alternative starts from the
# mark, so the search skips to marks quickly.
_PLAIN_MARK = re.compile(
    "[.?!\u2026]"
    "(?:"
    rf"(?:(?<=[^ .?!\u2026].)|(?<=\.\.))(?=[{_CLOSERS}]*(?: |\Z))()"  # ends its word: see above
    r"|(?<=[^\W_]\.)(?=[^\W_]|,(?: |\Z))"  # a "." between letters or digits, or before a final ","
    rf"|(?:(?<=[^ .?!\u2026]\.)|(?<=\.\.))(?=\.+[{_CLOSERS}]*(?: |\Z))"  # in a word-final run of "."
    ")"
)
_SPACE_BUT_SPACE = re.compile(r"[^\S ]")  # re's \s is str.isspace
_LETTERS_AND_PERIOD = re.compile(r"[^\W\d_]{2,}\.").fullmatch  # "said.": not an initial, not a number
_MEMO_SIZE = 100_000  # entries per memo before it starts over (a 10,000-article week has about 10,000 words)


def _folded(text: str) -> bool:
    """True for text with single spaces between words, none at either end, no other whitespace."""
    if not text or "  " in text or text[0] == " " or text[-1] == " ":
        return False
    # isprintable() is false for every whitespace character but " " (and for a few other characters)
    return text.isprintable() or not _SPACE_BUT_SPACE.search(text)


Splitter = Callable[[str], list[str]]


def splitter(tokenizer: Any) -> Splitter:
    """A function giving ``tokenizer.tokenize(text)``, faster for plain one-line text."""
    if not _supported(tokenizer):
        return cast(Splitter, tokenizer.tokenize)
    from nupunkt.tokenizers.sentence_tokenizer import _FP_BREAK

    tokenize = tokenizer.tokenize
    word_tokenize = tokenizer._lang_vars.word_tokenize
    first_pass = tokenizer._first_pass_outcome
    second_pass = tokenizer._second_pass_outcome
    is_enumerator = tokenizer._is_line_start_enumerator
    realign = tokenizer._realign_boundaries
    marks = _PLAIN_MARK.finditer
    closers = tokenizer._CLOSING_CHARS
    # Memos of what depends on a word or token alone. The parameters they read are part of `model`:
    # they start over when nupunkt's own memos would (its parameters edited: never in digest).
    model: list[Any] = [None, frozenset()]  # the parameters' signature, first words of the collocations
    ends: dict[str, tuple[str, int, bool | None]] = {}  # word through its mark -> end_of_word(word)
    firsts: dict[str, str | None] = {}  # word -> its first token that is not closing punctuation
    outcomes: dict[str, int] = {}  # token -> first-pass outcome

    def outcome(tok: str) -> int:
        result = outcomes.get(tok)
        if result is None:
            result = outcomes[tok] = first_pass(tok)
        return result

    def end_of_word(word: str) -> tuple[str, int, bool | None]:
        """The word's last token, its first-pass outcome, and True/False when that alone decides."""
        tok = word_tokenize(word)[-1]
        result = outcome(tok)
        alone: bool | None = None
        if not result:
            alone = False  # nupunkt decides only tokens with a first-pass outcome
        elif result == _FP_BREAK and (
            tok in ("?", "!") or (_LETTERS_AND_PERIOD(tok) and tok[:-1].lower() not in model[1])
        ):
            # _second_pass_outcome keeps the break of "?" and "!", and of a word of letters unless the
            # word and the next one are a collocation; its other vetoes need an abbreviation, an
            # initial, a number or a paragraph start.
            alone = True
        return tok, result, alone

    def first_token(word: str) -> str | None:
        return next((t for t in word_tokenize(word) if not all(c in closers for c in t)), None)

    def split(text: str) -> list[str]:
        """``tokenize(text)``."""
        if not _folded(text):
            return cast(list[str], tokenize(text))
        params = tokenizer._params
        signature = (
            params,
            params.__dict__.get("_decision_generation", 0),
            params.abbrev_types,
            len(params.abbrev_types),
            params.collocations,
            len(params.collocations),
        )
        if signature != model[0] or len(ends) + len(firsts) + len(outcomes) > _MEMO_SIZE:
            model[:] = signature, frozenset(pair[0] for pair in params.collocations)
            for memo in (ends, firsts, outcomes):
                memo.clear()
        n = len(text)
        bounds = [0]  # sentence starts and stops, alternating
        realigned = False
        seen = 0
        for match in marks(text):
            seen += 1
            pos = match.start()
            if match.lastindex is None or pos == n - 1:
                continue  # inside a word, or ending the text: not a candidate
            end = text.find(" ", pos)  # the word's end, after any closing punctuation
            if end < 0:
                end = n
            after = end + 1  # the next word's start (past n when the word ends the text)
            # nupunkt's vetoes, in its order
            if pos <= 12 and text[pos] == "." and is_enumerator(text, pos):
                continue  # without a newline only the text's first word can be a list enumerator
            if end == pos + 1:
                if tokenizer.EXCL_QUEST_LOWERCASE_CONTINUES and text[pos] in "!?" and text[after].islower():
                    continue
            elif after < n and text[after].islower():
                continue  # a closing quote or bracket before a lowercase word continues the sentence
            word = text[text.rfind(" ", 0, pos) + 1 : pos + 1]
            tok1, outcome1, breaks = ends.get(word) or ends.setdefault(word, end_of_word(word))
            if breaks is None:
                tok2 = None
                if after < n:
                    stop = text.find(" ", after)
                    nxt = text[after : stop if stop > 0 else n]
                    tok2 = firsts[nxt] if nxt in firsts else firsts.setdefault(nxt, first_token(nxt))
                if tok2 is None:
                    breaks = outcome1 == _FP_BREAK  # the last token keeps its first-pass outcome
                else:
                    breaks = second_pass(tok1, outcome1, tok2, outcome(tok2), False)
            if breaks:
                start = pos + 1 if end > pos + 1 else pos + 2  # the next sentence starts past the space
                bounds += (pos + 1, start)
                realigned = realigned or text[start] in closers
        if seen != text.count(".") + text.count("?") + text.count("!") + text.count("\u2026"):
            return cast(list[str], tokenize(text))  # a mark outside the plain shape: the decisions may differ
        if len(bounds) == 1:
            return [text]
        bounds.append(n)  # text always follows a break: a candidate has something after its mark
        pairs = zip(bounds[::2], bounds[1::2], strict=True)
        if realigned:  # a sentence starts with closing punctuation: nupunkt may move it to the one before
            return [text[s] for s in realign(text, [slice(a, b) for a, b in pairs])]
        return [text[a:b] for a, b in pairs]

    return split


def _supported(tokenizer: Any) -> bool:
    """True when the installed nupunkt is one the fast path was verified against, unchanged."""
    try:
        import nupunkt
        from nupunkt.tokenizers import sentence_tokenizer

        return (
            nupunkt.__version__ in VERIFIED
            and type(tokenizer) is sentence_tokenizer.PunktSentenceTokenizer
            and tokenizer._uses_decision_engine()  # no custom token class or annotation hooks
            and tokenizer._CLOSING_CHARS == frozenset(_CLOSERS.replace("\\", ""))
            and tokenizer._lang_vars.sent_end_chars == frozenset(".?!")
            and hasattr(sentence_tokenizer, "_FP_BREAK")
            and all(
                callable(getattr(tokenizer, name, None))
                for name in (
                    "_first_pass_outcome",
                    "_second_pass_outcome",
                    "_is_line_start_enumerator",
                    "_realign_boundaries",
                )
            )
        )
    except (ImportError, AttributeError):
        return False
