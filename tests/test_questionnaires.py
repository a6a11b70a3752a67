"""Questionnaire files (YAML and CSV): the examples read the same in both formats and scripts;
every mistake is one line naming the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.services.questionnaires import QuestionKind, QuestionnaireError, parse

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    "name", ["survey_2026H2.zh_Hans.yaml", "survey_2026H2.zh_Hant.yaml", "survey_2026H2.csv"]
)
def test_the_examples(name: str) -> None:
    questionnaire = parse((EXAMPLES / name).read_bytes(), name)
    title, questions = questionnaire.to_json("CN")
    assert title["zh_Hans"].startswith("2026年") and "满意度调查" in title["zh_Hans"]
    assert "滿意度調查" in title["zh_Hant"]
    assert [q["key"] for q in questions] == [
        "overall",
        "security",
        "environment",
        "repair",
        "comment",
    ]
    assert [q["kind"] for q in questions] == ["choice", "rating", "rating", "rating", "text"]
    assert [q["key"] for q in questions if q["satisfied"]] == ["overall"]
    options = questions[0]["options"]
    assert [o["satisfied"] for o in options] == [True, True, False, False]
    assert options[3]["text"] == {"zh_Hans": "不满意", "zh_Hant": "不滿意"}


def test_a_text_in_one_script_gets_the_other_from_opencc() -> None:
    questionnaire = parse(
        "script: zh_Hant\ntitle: 住戶調查\nquestions:\n"
        "  - {key: q, kind: rating, satisfied: yes, text: 請為維修服務評分}\n",
        "x.yml",
    )
    title, questions = questionnaire.to_json("HK")
    assert title == {"zh_Hans": "住户调查", "zh_Hant": "住戶調查"}
    assert questions[0]["text"]["zh_Hans"] == "请为维修服务评分"
    assert questionnaire.questions[0].kind is QuestionKind.RATING


HEAD = "title: 调查\nquestions:\n"
SATISFIED = "  - {key: overall, kind: rating, satisfied: true, text: 打分}\n"


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        ("title: [unclosed\n", "a.yaml", "line 2: not valid YAML"),
        ("- just a list\n", "a.yaml", "line 1: the file must be a mapping"),
        ("script: en\n" + HEAD + SATISFIED, "a.yaml", "line 1: script must be zh_Hans or zh_Hant"),
        ("questions:\n" + SATISFIED, "a.yaml", "line 1: title is missing"),
        (HEAD, "a.yaml", "line 1: questions: give at least one question"),
        (
            HEAD + SATISFIED + "  - key: fee\n    kind: slider\n    text: 收费\n",
            "a.yaml",
            "line 4: question 'fee': kind must be one of choice, rating, text, not 'slider'",
        ),
        (
            HEAD + SATISFIED + "  - {key: Fee!, kind: rating, text: 收费}\n",
            "a.yaml",
            "line 4: key 'Fee!': 1-16 lower-case letters",
        ),
        (
            HEAD + SATISFIED + "  - {key: overall, kind: rating, text: 再来}\n",
            "a.yaml",
            "line 4: key: question 'overall' is given twice",
        ),
        (
            HEAD + "  - key: overall\n    kind: choice\n    satisfied: true\n    text: 满意吗\n"
            "    options: [满意]\n",
            "a.yaml",
            "line 3: question 'overall': options: a choice has 2 to 8 options, not 1",
        ),
        (
            HEAD + "  - key: overall\n    kind: choice\n    satisfied: true\n    text: 满意吗\n"
            "    options: [满意, 不满意]\n",
            "a.yaml",
            "line 3: question 'overall': options: flag the option(s) that count as satisfied",
        ),
        (
            HEAD + "  - {key: c, kind: text, satisfied: true, text: 意见}\n",
            "a.yaml",
            "line 3: question 'c': satisfied: a text question cannot be the satisfied question",
        ),
        (
            HEAD + "  - {key: a, kind: rating, text: 打分}\n",
            "a.yaml",
            "satisfied: exactly one question is flagged satisfied (the satisfaction rate's), not 0",
        ),
        (
            HEAD + SATISFIED + "  - {key: b, kind: rating, satisfied: true, text: 打分}\n",
            "a.yaml",
            "line 4: satisfied: exactly one question is flagged satisfied",
        ),
        (
            HEAD + SATISFIED + "  - {key: b, kind: rating, satisfied: maybe, text: 打分}\n",
            "a.yaml",
            "line 4: question 'b': satisfied must be yes or no, not 'maybe'",
        ),
        (
            HEAD + "  - {key: overall, kind: rating, satisfied: true, text: " + "长" * 301 + "}\n",
            "a.yaml",
            "line 3: question 'overall': text is longer than 300 characters",
        ),
        ("record,key,kind\ntitle,,\n", "a.csv", "line 1: missing column(s) satisfied, zh_Hans"),
        (
            "record,key,kind,satisfied,zh_Hans,zh_Hant\nquestion,q,rating,yes,打分,\n",
            "a.csv",
            "line 2: title: give a title record",
        ),
        (
            "record,key,kind,satisfied,zh_Hans,zh_Hant\ntitle,,,,调查,\noption,q,,yes,满意,\n",
            "a.csv",
            "line 3: key: option of unknown question 'q'",
        ),
        (
            "record,key,kind,satisfied,zh_Hans,zh_Hant\ntitle,,,,调查,\nquestion,q,rating,yes,,\n",
            "a.csv",
            "line 3: question 'q': text is missing (zh_Hans or zh_Hant)",
        ),
        (
            "record,key,kind,satisfied,zh_Hans,zh_Hant\ntitle,,,,调查,\nanswer,q,,,,\n",
            "a.csv",
            "line 3: record must be title, question or option, not 'answer'",
        ),
        (
            "record,key,kind,satisfied,zh_Hans,zh_Hant\ntitle,,,,调查,\n"
            "question,q,rating,yes,打分,\noption,q,,,多余,\n",
            "a.csv",
            "line 4: question 'q': options: only a choice has options",
        ),
        ("anything", "a.txt", "a.txt: a questionnaire is a .yaml, .yml or .csv file"),
    ],
)
def test_mistakes_are_one_line_naming_where(content: str, name: str, error: str) -> None:
    with pytest.raises(QuestionnaireError) as raised:
        parse(content.encode(), name)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(error), message
