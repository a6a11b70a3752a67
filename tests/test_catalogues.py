"""The message catalogues match the code: `scripts/i18n.py check` finds nothing.

When this fails: `.venv/bin/python scripts/i18n.py extract`, then `update`, translate the new
(empty) entries in both catalogues, and run `check` until it is silent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from core.i18n import Translator

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "i18n.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("guanjia_i18n_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


i18n_script = _load_script()


def test_catalogues_have_no_problems() -> None:
    problems = i18n_script.check()
    for problem in problems:
        print(problem)
    assert not problems, f"{len(problems)} catalogue problem(s), listed above"


def test_every_message_in_the_code_is_extracted() -> None:
    ids = {message.id for message in i18n_script.extract_catalog() if message.id}
    # Found through attribute calls (ctx._("…")) and N_("…") constants alike.
    assert "Order {number} is cancelled." in ids
    assert "Report a repair" in ids


def test_traditional_translation_and_placeholders() -> None:
    hant = Translator("zh_Hant").gettext("Order {number} is cancelled.", number="A-0001")
    hans = Translator("zh_Hans").gettext("Order {number} is cancelled.", number="A-0001")
    assert "A-0001" in hant and "A-0001" in hans
    assert "{number}" not in hant
    assert "工單" in hant and "工单" in hans
    assert i18n_script.simplified_only(hant) == []
    assert i18n_script.traditional_only(hans) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("工單已取消", []), ("工单已取消", ["单"]), ("干擾、皇后、公里、台灣", [])],
)
def test_simplified_characters_are_found_in_traditional(text: str, expected: list[str]) -> None:
    assert i18n_script.simplified_only(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("工单已取消", []), ("我們的工单", ["們"])])
def test_traditional_characters_are_found_in_simplified(text: str, expected: list[str]) -> None:
    assert i18n_script.traditional_only(text) == expected


def test_placeholders_are_compared_exactly() -> None:
    assert i18n_script.placeholders("{number} 於 {time:%H}") == {"{number}", "{time:%H}"}
    with pytest.raises(ValueError):
        i18n_script.placeholders("工單 {number")


@pytest.mark.parametrize(
    ("locale", "text", "found"),
    [
        ("zh_Hans", "已派给 张师傅。", "a space between Chinese characters"),
        ("zh_Hans", "工单 {number} 已派给 {worker}。", "a space between Chinese and a name"),
        ("zh_Hant", "{worker} 已接單（工單 {number}）。", "a space between Chinese and a name"),
        ("zh_Hans", "费用 {fee} 已登记。", "a space between Chinese and a name"),  # 80.00 元
        ("zh_Hans", "您的房屋{home}已与本对话绑定。", "never says '已与本对话绑定'"),
        ("zh_Hant", "已提交服務台審核。", "never says '服務台'"),
        ("zh_Hans", "请问您是业主还是使用人？", "never says '使用人'"),
        # Traditional with Simplified's quotation marks, as the completion photos were asked for.
        ("zh_Hant", "請傳送維修前的照片，然後點“下一步”。", "quotation marks of the other script"),
        ("zh_Hans", "请点「确认」。", "quotation marks of the other script"),
        ("zh_Hans", "工单已完工,请确认。", "ASCII punctuation in Chinese text"),
        ("zh_Hant", "費用(港元)：{fee}", "ASCII punctuation in Chinese text"),
        ("zh_Hant", "請問是哪一戶?", "ASCII punctuation in Chinese text"),
        ("zh_Hans", "费用：¥{fee}", "never says '¥'"),
    ],
)
def test_the_writing_rules_find(locale: str, text: str, found: str) -> None:
    problems = i18n_script.writing_problems(locale, text)
    assert any(found in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("zh_Hans", "工单 {number} 已派给{worker}。"),  # a number may keep its spaces
        ("zh_Hans", "费用 {fee}已登记；工单 BX-20261202-0001"),
        ("zh_Hant", "{worker}已接單（工單 {number}）。"),
        ("zh_Hans", "维修工单已完工。"),  # 维修工 only as a person is never said
        ("zh_Hans", "请按“12-05 09:00-17:00”的格式填写，例如 80.50 元。"),  # digits keep : and .
        ("zh_Hant", "請點「確認」，或傳送 /cancel 退出。"),
    ],
)
def test_the_writing_rules_let_pass(locale: str, text: str) -> None:
    assert i18n_script.writing_problems(locale, text) == []


def test_each_language_is_named_in_its_own_script() -> None:
    from bot.views.menus import LANGUAGE_NAME

    assert Translator("zh_Hans").gettext(LANGUAGE_NAME) == "简体中文"
    assert Translator("zh_Hant").gettext(LANGUAGE_NAME) == "繁體中文"


def test_places_are_written_without_spaces_beside_chinese() -> None:
    from core.i18n import place

    assert place("碧溪花园", "1栋 ", "101") == "碧溪花园1栋101"
    assert place("Tower A", "1001") == "Tower A 1001"
    assert place("海景苑", "A座", None, "") == "海景苑A座"


def test_the_fee_is_asked_in_the_estates_currency() -> None:
    from bot.dialogs.complete_job import ASK_FEE
    from bot.views.labels import CURRENCY_LABELS
    from core.services.directory import CURRENCIES

    assert set(CURRENCY_LABELS) == set(CURRENCIES)
    hant = Translator("zh_Hant")
    asked = hant.gettext(ASK_FEE, currency=hant.gettext(CURRENCY_LABELS["HKD"]))
    assert "（港元）" in asked and "「不收費」" in asked
