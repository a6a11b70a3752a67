"""Questionnaire files for satisfaction surveys: YAML or CSV, checked line by line.

A questionnaire is a title and its questions, each of one kind: `choice` (two to eight options),
`rating` (1–5) or `text` (always optional: the resident may skip it). Exactly one question is
flagged `satisfied`: the survey's satisfaction rate is computed from it (a choice question's
options flagged `satisfied`, or a rating of 4 or 5).

YAML (a text is a string in the file's `script`, or a mapping with both scripts; a script left
out is made with OpenCC in the estate's region's phrasing)::

    script: zh_Hans
    title: 2026年下半年住户满意度调查
    questions:
      - key: overall
        kind: choice
        satisfied: true
        text: 总体而言，您对管理处的服务满意吗？
        options:
          - {text: 非常满意, satisfied: true}
          - {text: 满意, satisfied: true}
          - 不满意
      - {key: repair, kind: rating, text: 请为维修服务打分}
      - {key: comment, kind: text, text: 您还有什么意见或建议？}

CSV (UTF-8, with or without a BOM), one record a line, both scripts in their own columns::

    record,key,kind,satisfied,zh_Hans,zh_Hant
    title,,,,2026年下半年住户满意度调查,2026年下半年住戶滿意度調查
    question,overall,choice,yes,总体而言……,總體而言……
    option,overall,,yes,非常满意,非常滿意

Every error is one line naming the line and the field (`QuestionnaireError`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

from core.i18n import LOCALES, convert

MAX_QUESTIONS = 30
MIN_OPTIONS, MAX_OPTIONS = 2, 8
MAX_TITLE = 200
MAX_TEXT = 300
MAX_OPTION = 30  # an option is a button
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
SATISFIED_SCORE = 4  # a rating of 4 or 5 counts as satisfied
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "是", "满意", "滿意"})
FALSE_WORDS = frozenset({"", "no", "n", "false", "0", "否"})


class QuestionKind(StrEnum):
    CHOICE = "choice"
    RATING = "rating"
    TEXT = "text"


class QuestionnaireError(ValueError):
    """One line for the operator: where (file line, field) and what is wrong."""


@dataclass
class Text:
    """A text in one or both scripts, as the file gave it; `both()` fills the missing one."""

    hans: str | None = None
    hant: str | None = None

    def both(self, region: str) -> dict[str, str]:
        hans = self.hans or convert(self.hant or "", "zh_Hans", region)
        hant = self.hant or convert(self.hans or "", "zh_Hant", region)
        return {"zh_Hans": hans, "zh_Hant": hant}


@dataclass
class Option:
    text: Text
    satisfied: bool = False
    line: int = 0


@dataclass
class Question:
    key: str
    kind: QuestionKind
    text: Text
    satisfied: bool = False
    options: list[Option] = field(default_factory=list)
    line: int = 0


@dataclass
class Questionnaire:
    title: Text
    questions: list[Question]

    def to_json(self, region: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
        """(title in both scripts, the questions as a campaign stores them)."""
        questions = [
            {
                "key": q.key,
                "kind": q.kind.value,
                "satisfied": q.satisfied,
                "text": q.text.both(region),
                "options": [
                    {"text": o.text.both(region), "satisfied": o.satisfied} for o in q.options
                ],
            }
            for q in self.questions
        ]
        return self.title.both(region), questions


def parse(content: bytes | str, name: str) -> Questionnaire:
    """A questionnaire from a file's content; `name` decides the format (.yaml/.yml or .csv)."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    lowered = name.lower()
    if lowered.endswith((".yaml", ".yml")):
        return parse_yaml(text)
    if lowered.endswith(".csv"):
        return parse_csv(text)
    raise QuestionnaireError(f"{name}: a questionnaire is a .yaml, .yml or .csv file")


# --- YAML ------------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """Safe loading that remembers the line each mapping starts on (under `__line__`)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def parse_yaml(text: str) -> Questionnaire:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no objects built
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else "the file"
        raise QuestionnaireError(f"{where}: not valid YAML ({error.problem})") from None
    except yaml.YAMLError as error:
        raise QuestionnaireError(f"not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise QuestionnaireError("line 1: the file must be a mapping with title and questions")
    script = data.get("script", "zh_Hans")
    if script not in LOCALES:
        raise QuestionnaireError(f"line {data['__line__']}: script must be zh_Hans or zh_Hant")
    title = _yaml_text(data.get("title"), script, data["__line__"], "title", MAX_TITLE)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise QuestionnaireError(f"line {data['__line__']}: questions: give at least one question")
    questions = []
    for raw in raw_questions:
        if not isinstance(raw, dict):
            raise QuestionnaireError(
                f"line {data['__line__']}: questions: each question is a mapping (key, kind, text)"
            )
        line = raw["__line__"]
        key = str(raw.get("key") or "")
        kind = _kind(raw.get("kind"), line, key)
        question = Question(
            key=key,
            kind=kind,
            text=_yaml_text(raw.get("text"), script, line, f"question {key!r}: text", MAX_TEXT),
            satisfied=_flag(raw.get("satisfied", False), line, f"question {key!r}: satisfied"),
            line=line,
        )
        for option in raw.get("options") or []:
            option_line = option["__line__"] if isinstance(option, dict) else line
            given = option.get("text") if isinstance(option, dict) else option
            flag = option.get("satisfied", False) if isinstance(option, dict) else False
            where = f"question {key!r}: option"
            question.options.append(
                Option(
                    _yaml_text(given, script, option_line, where, MAX_OPTION),
                    _flag(flag, option_line, f"{where} satisfied"),
                    option_line,
                )
            )
        questions.append(question)
    return check(Questionnaire(title, questions))


def _yaml_text(value: Any, script: str, line: int, where: str, limit: int) -> Text:
    if isinstance(value, dict):
        line = value.get("__line__", line)
        text = Text(_clean(value.get("zh_Hans")), _clean(value.get("zh_Hant")))
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        cleaned = _clean(value)
        text = Text(cleaned, None) if script == "zh_Hans" else Text(None, cleaned)
    else:
        text = Text()
    if not text.hans and not text.hant:
        raise QuestionnaireError(f"line {line}: {where} is missing")
    for given in (text.hans, text.hant):
        if given and len(given) > limit:
            raise QuestionnaireError(f"line {line}: {where} is longer than {limit} characters")
    return text


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    cleaned = str(value).strip()
    return cleaned or None


def _flag(value: Any, line: int, where: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value if value is not None else "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise QuestionnaireError(f"line {line}: {where} must be yes or no, not {value!r}")


def _kind(value: Any, line: int, key: str) -> QuestionKind:
    try:
        return QuestionKind(str(value or "").strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in QuestionKind)
        raise QuestionnaireError(
            f"line {line}: question {key!r}: kind must be one of {kinds}, not {value!r}"
        ) from None


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = ("record", "key", "kind", "satisfied", "zh_Hans", "zh_Hant")


def parse_csv(text: str) -> Questionnaire:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise QuestionnaireError(f"line 1: missing column(s) {', '.join(missing)}")
    title: Text | None = None
    questions: dict[str, Question] = {}
    for row in reader:
        line = reader.line_num
        record = (row.get("record") or "").strip().lower()
        key = (row.get("key") or "").strip()
        if not record or record.startswith("#"):
            continue
        text = Text(_clean(row.get("zh_Hans")), _clean(row.get("zh_Hant")))
        if record == "title":
            title = _csv_text(text, line, "title", MAX_TITLE)
        elif record == "question":
            if key in questions:
                raise QuestionnaireError(f"line {line}: key: question {key!r} is given twice")
            questions[key] = Question(
                key=key,
                kind=_kind(row.get("kind"), line, key),
                text=_csv_text(text, line, f"question {key!r}: text", MAX_TEXT),
                satisfied=_flag(row.get("satisfied"), line, f"question {key!r}: satisfied"),
                line=line,
            )
        elif record == "option":
            if key not in questions:
                raise QuestionnaireError(
                    f"line {line}: key: option of unknown question {key!r} (give the question "
                    "first)"
                )
            where = f"question {key!r}: option"
            questions[key].options.append(
                Option(
                    _csv_text(text, line, where, MAX_OPTION),
                    _flag(row.get("satisfied"), line, f"{where} satisfied"),
                    line,
                )
            )
        else:
            raise QuestionnaireError(
                f"line {line}: record must be title, question or option, not {record!r}"
            )
    if title is None:
        raise QuestionnaireError("line 2: title: give a title record")
    return check(Questionnaire(title, list(questions.values())))


def _csv_text(text: Text, line: int, where: str, limit: int) -> Text:
    if not text.hans and not text.hant:
        raise QuestionnaireError(f"line {line}: {where} is missing (zh_Hans or zh_Hant)")
    for given in (text.hans, text.hant):
        if given and len(given) > limit:
            raise QuestionnaireError(f"line {line}: {where} is longer than {limit} characters")
    return text


# --- the rules both formats share ------------------------------------------------------------


def check(questionnaire: Questionnaire) -> Questionnaire:
    questions = questionnaire.questions
    if not questions:
        raise QuestionnaireError("questions: give at least one question")
    if len(questions) > MAX_QUESTIONS:
        raise QuestionnaireError(
            f"line {questions[MAX_QUESTIONS].line}: at most {MAX_QUESTIONS} questions"
        )
    seen: set[str] = set()
    for q in questions:
        if not KEY_PATTERN.match(q.key):
            raise QuestionnaireError(
                f"line {q.line}: key {q.key!r}: 1-16 lower-case letters, digits or _, "
                "starting with a letter"
            )
        if q.key in seen:
            raise QuestionnaireError(f"line {q.line}: key: question {q.key!r} is given twice")
        seen.add(q.key)
        if q.kind is QuestionKind.CHOICE:
            if not MIN_OPTIONS <= len(q.options) <= MAX_OPTIONS:
                raise QuestionnaireError(
                    f"line {q.line}: question {q.key!r}: options: a choice has "
                    f"{MIN_OPTIONS} to {MAX_OPTIONS} options, not {len(q.options)}"
                )
            if q.satisfied and not any(o.satisfied for o in q.options):
                raise QuestionnaireError(
                    f"line {q.line}: question {q.key!r}: options: flag the option(s) that count "
                    "as satisfied"
                )
        elif q.options:
            raise QuestionnaireError(
                f"line {q.options[0].line}: question {q.key!r}: options: only a choice has options"
            )
        if q.satisfied and q.kind is QuestionKind.TEXT:
            raise QuestionnaireError(
                f"line {q.line}: question {q.key!r}: satisfied: a text question cannot be the "
                "satisfied question"
            )
    flagged = [q for q in questions if q.satisfied]
    if len(flagged) != 1:
        where = f"line {flagged[1].line}: " if len(flagged) > 1 else ""
        raise QuestionnaireError(
            f"{where}satisfied: exactly one question is flagged satisfied "
            f"(the satisfaction rate's), not {len(flagged)}"
        )
    return questionnaire
