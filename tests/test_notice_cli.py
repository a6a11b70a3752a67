"""`guanjia notice create|send|cancel|status|list` against a SQLite file: the preview in both
scripts, a works notice to one building written to the outbox, a scheduled one cancelled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cli_helpers import cli_database
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.admin import admin_app
from bot.cli.notices import notice_app
from core.clock import Clock
from core.crypto import Cipher
from core.db import create_engine, session_factory
from core.enums import OutboxStatus
from core.models import ChatIdentity, OutboxMessage, UnitBinding
from core.services import outbox
from core.uow import UnitOfWorkFactory

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'guanjia.db'}"


@pytest.fixture
def key(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url, key = cli_database(tmp_path, monkeypatch)
    assert url == db_url
    return key


async def _chats_for_every_resident(db_url: str, key: str) -> None:
    engine = create_engine(db_url)
    uows = UnitOfWorkFactory(session_factory(engine), Clock(), Cipher(key))
    async with uows() as uow:
        people = list(await uow.session.scalars(select(UnitBinding.person_id).distinct()))
        for n, person_id in enumerate(sorted(people)):
            now = uow.clock.now()
            uow.add(
                ChatIdentity(
                    user_id=700 + n,
                    chat_id=700 + n,
                    person_id=person_id,
                    locale="zh_Hant" if n == 1 else "zh_Hans",
                    created_at=now,
                    last_seen_at=now,
                )
            )
        await uow.commit()
    await engine.dispose()


async def _outbox(db_url: str, key: str) -> list[tuple[int, str, str]]:
    engine = create_engine(db_url)
    uows = UnitOfWorkFactory(session_factory(engine), Clock(), Cipher(key))
    async with uows() as uow:
        rows = list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        found = [
            (r.chat_id, r.status, outbox.open_payload(uow.cipher, r.payload_enc)["text"])
            for r in rows
        ]
    await engine.dispose()
    return found


def test_a_works_notice_to_one_building_from_the_command_line(key: str, db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    asyncio.run(_chats_for_every_resident(db_url, key))

    result = runner.invoke(
        notice_app,
        ["create", "--estate", "BX", "--kind", "works", "--building", "1栋",
         "--text", "1栋电梯更换钢丝绳，请走楼梯。", "--place", "1栋电梯",
         "--from", "2027-03-01 09:00", "--until", "2027-03-01 17:00"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "notice 1 created (draft)" in result.stdout
    assert "【施工通知】\n1栋电梯更换钢丝绳，请走楼梯。\n地点：1栋电梯" in result.stdout
    assert "【施工通知】\n1棟電梯更換鋼絲繩，請走樓梯。\n地點：1棟電梯" in result.stdout
    assert "有效期至" in result.stdout
    assert asyncio.run(_outbox(db_url, key)) == []

    result = runner.invoke(notice_app, ["send", "1"], input="n\n")
    assert result.exit_code == 1
    assert asyncio.run(_outbox(db_url, key)) == []

    result = runner.invoke(notice_app, ["send", "1"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "1棟電梯更換鋼絲繩" in result.stdout
    assert "notice 1: 2 message(s) queued" in result.stdout
    sent = asyncio.run(_outbox(db_url, key))
    # 赵先生 and 赵太太 live in 1栋 (one reads Traditional); 孙小姐 in 2栋 hears nothing.
    assert sorted(chat for chat, _, _ in sent) == [700, 701]
    texts = {chat: text for chat, _, text in sent}
    assert texts[700].startswith("【施工通知】\n1栋电梯更换钢丝绳")
    assert texts[701].startswith("【施工通知】\n1棟電梯更換鋼絲繩")
    assert "時間：3月1日週一 09:00至3月1日週一 17:00" in texts[701]

    result = runner.invoke(notice_app, ["status", "1"])
    assert result.exit_code == 0, result.output
    assert "sent; recipients 2, sent 0, pending 2, failed 0, blocked 0" in result.stdout

    # A scheduled notice, cancelled before its time: nothing is written.
    result = runner.invoke(
        notice_app, ["create", "--estate", "BX", "--kind", "event", "--text", "中秋游园会"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(notice_app, ["send", "2", "--at", "2099-09-15 10:00", "-y"])
    assert result.exit_code == 0, result.output
    assert "notice 2 scheduled for 2099-09-15 10:00" in result.stdout
    result = runner.invoke(notice_app, ["cancel", "2"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(notice_app, ["send", "2", "-y"])
    assert result.exit_code == 1
    assert "can no longer be changed" in result.output
    assert len(asyncio.run(_outbox(db_url, key))) == 2
    assert all(status == OutboxStatus.PENDING for _, status, _ in asyncio.run(_outbox(db_url, key)))

    result = runner.invoke(notice_app, ["list", "--estate", "BX"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2].split()[:3] == ["2", "event", "cancelled"]
    assert lines[3].split()[:3] == ["1", "works", "sent"]


def test_a_unit_outside_the_estate_is_refused(key: str) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    result = runner.invoke(
        notice_app,
        ["create", "--estate", "BX", "--kind", "outage", "--text", "停水", "--unit", "9栋/101"],
    )
    assert result.exit_code == 1
    assert "no unit '9栋/101'" in result.output
