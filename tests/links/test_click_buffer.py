"""The click pipeline's own guarantees, independent of the server around it: the buffer
hands clicks off to a spool file, the writer persists each spooled click exactly once —
across a writer killed mid-transaction, a spool whose process died mid-record, links
deleted meanwhile, and many processes, links and workspaces at once."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, make_tenant
from tests.waits import until
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import clicks as clicks_mod
from yutang.links import service as links_service
from yutang.links import spool
from yutang.links.clicks import ClickBuffer, RawClick, classify
from yutang.links.clickwriter import ClickWriter
from yutang.links.schemas import LinkIn
from yutang.models.links import Click, ClickSpoolOffset, Link

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


async def _link(engine: AsyncEngine, tenant: Tenant) -> int:
    async with unit_of_work(engine=engine) as s:
        link = await links_service.create_link(Ctx(s, tenant.id, SYSTEM), LinkIn(url="https://a.example/"))
    return link.id


def _click(link_id: int, ws_id: int, tag: str, head: bool = False) -> RawClick:
    return (
        time.time(),
        link_id,
        ws_id,
        None,
        None,
        "v" + tag,
        "h" + tag,
        f"https://r.example/{tag}",
        UA,
        head,
    )


def _buffer(engine: AsyncEngine, directory: Path, **kw: Any) -> ClickBuffer:
    kw.setdefault("interval", 1)
    kw.setdefault("batch_size", 100)
    return ClickBuffer(directory, "secret", writer=ClickWriter(engine, directory), **kw)


async def _rows(engine: AsyncEngine) -> tuple[int, int, dict[int, int], dict[int, int]]:
    """Clicks, distinct referrers, rows per link and ``click_count`` per link."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = int(await s.scalar(select(func.count()).select_from(Click)) or 0)
        distinct = int(await s.scalar(select(func.count(func.distinct(Click.referrer)))) or 0)
        per_link = dict((await s.execute(select(Click.link_id, func.count()).group_by(Click.link_id))).all())
        counted = dict((await s.execute(select(Link.id, Link.click_count))).all())
    return (
        rows,
        distinct,
        {int(k): int(v) for k, v in per_link.items()},
        {int(k): int(v) for k, v in counted.items()},
    )


async def test_stop_during_a_write_neither_loses_nor_duplicates(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    link_id = await _link(engine, tenant)
    buffer = _buffer(engine, tmp_path / "clicks", interval=0.05, batch_size=1_000_000)
    n = 20_000
    for i in range(n):
        buffer.add(_click(link_id, tenant.id, str(i)))
    buffer.start()
    # Stop while the flusher has taken the batch and is writing it.
    await until(lambda: not buffer.pending, "the flusher to take the batch")
    await buffer.stop()
    rows, distinct, _, counted = await _rows(engine)
    assert rows == distinct == counted[link_id] == n
    assert os.listdir(tmp_path / "clicks") == ["writer.lock"]  # the spool file written, let go, removed


async def test_a_writer_killed_mid_transaction_resumes_exactly_once(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are inserted, then the writer dies before its commit: the next writer
    starts from the committed position — nothing lost, nothing twice."""
    link_id = await _link(engine, tenant)
    directory = tmp_path / "clicks"
    buffer = ClickBuffer(directory, "secret", interval=1, batch_size=50)  # hands off only
    for i in range(120):
        buffer.add(_click(link_id, tenant.id, str(i)))
    assert await buffer.flush() == 120

    writer = ClickWriter(engine, directory, round_clicks=60)
    assert writer.try_lock()
    assert await writer.round() == 100  # two records of 50, whole records only

    real = clicks_mod.write_clicks

    async def dies_after_insert(session: Any, rows: Any) -> None:
        await real(session, rows)
        raise SystemExit("killed")  # not an Exception: nothing catches it, the transaction rolls back

    monkeypatch.setattr("yutang.links.clickwriter.write_clicks", dies_after_insert)
    for i in range(120, 150):
        buffer.add(_click(link_id, tenant.id, str(i)))
    await buffer.flush()
    with pytest.raises(SystemExit):
        await writer.round()
    writer.close()
    monkeypatch.setattr("yutang.links.clickwriter.write_clicks", real)

    again = ClickWriter(engine, directory)
    assert again.try_lock()
    assert await again.drain() == 50
    rows, distinct, _, counted = await _rows(engine)
    assert rows == distinct == counted[link_id] == 150
    assert await again.drain() == 0  # and a third pass finds nothing more


async def test_one_writer_at_a_time(engine: AsyncEngine, tmp_path: Path) -> None:
    first, second = ClickWriter(engine, tmp_path), ClickWriter(engine, tmp_path)
    assert first.try_lock()
    assert not second.try_lock()
    first.close()
    assert second.try_lock()
    second.close()


async def test_a_spool_whose_process_died_mid_record(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    """Whole records are written, the torn tail is dropped, the file is removed."""
    link_id = await _link(engine, tenant)
    directory = tmp_path / "clicks"
    file = spool.SpoolFile(directory)
    file.append([_click(link_id, tenant.id, "a"), _click(link_id, tenant.id, "b")])
    assert file.fd is not None and file.path is not None
    os.write(file.fd, spool.RECORD.pack(1000, 0) + b"only part of it")  # then the process dies
    path = file.path
    writer = ClickWriter(engine, directory)
    assert writer.try_lock()
    assert await writer.drain() == 2
    assert path.exists()  # still owned: the tail may yet be completed
    file.close()
    assert await writer.drain() == 0
    assert not path.exists()
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(ClickSpoolOffset)) == 0
    assert (await _rows(engine))[0] == 2


async def test_a_writer_killed_while_removing_a_file_does_not_read_it_again(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link_id = await _link(engine, tenant)
    directory = tmp_path / "clicks"
    file = spool.SpoolFile(directory)
    file.append([_click(link_id, tenant.id, "a")])
    file.close()
    assert file.path is not None
    writer = ClickWriter(engine, directory)
    assert writer.try_lock()

    async def killed() -> None:  # after the rename to .done, before the position is forgotten
        return None

    monkeypatch.setattr(writer, "_forget_done", killed)
    assert await writer.round() == 1
    writer.close()
    assert file.path.with_suffix(spool.DONE).exists()
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(ClickSpoolOffset)) == 1

    again = ClickWriter(engine, directory)
    assert again.try_lock()
    assert await again.drain() == 0
    assert (await _rows(engine))[0] == 1
    assert sorted(os.listdir(directory)) == ["writer.lock"]
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(ClickSpoolOffset)) == 0


async def test_clicks_of_a_deleted_link_are_dropped_the_others_written(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    link_id = await _link(engine, tenant)
    buffer = _buffer(engine, tmp_path / "clicks")
    buffer.add(_click(999_999_999, tenant.id, "gone"))  # no such link: the foreign key refuses it
    buffer.add(_click(link_id, tenant.id, "kept"))
    assert await buffer.flush() == 2
    rows, _, per_link, _ = await _rows(engine)
    assert rows == 1 and per_link == {link_id: 1}
    assert await buffer.flush() == 0  # not stuck on it


async def test_many_processes_links_and_workspaces_at_once(engine: AsyncEngine, tmp_path: Path) -> None:
    """Three serving processes' spools, 3 workspaces × 20 links, bots and HEADs among
    the clicks: every click written once, every link's counter its human clicks."""
    directory = tmp_path / "clicks"
    links: list[tuple[int, int]] = []
    for w in range(3):
        tenant = await make_tenant(engine, f"ws{w}", f"go{w}.test")
        for _ in range(20):
            links.append((await _link(engine, tenant), tenant.id))
    spools = [spool.SpoolFile(directory) for _ in range(3)]
    expected_rows: dict[int, int] = {}
    expected_human: dict[int, int] = {}
    n = 0
    for batch in range(10):
        for p, file in enumerate(spools):
            part = []
            for k in range(97):
                link_id, ws_id = links[(batch * 7 + p * 13 + k) % len(links)]
                head = k % 11 == 0
                part.append(_click(link_id, ws_id, f"{n}", head=head))
                n += 1
                expected_rows[link_id] = expected_rows.get(link_id, 0) + 1
                expected_human[link_id] = expected_human.get(link_id, 0) + (not head)
            file.append(part)
    writer = ClickWriter(engine, directory, round_clicks=500)
    assert writer.try_lock()
    written = 0
    for _ in range(4):  # a few rounds while the files are still owned
        written += await writer.round()
    for file in spools:
        file.close()
    written += await writer.drain()
    rows, distinct, per_link, counted = await _rows(engine)
    assert written == rows == distinct == n == 2910
    assert per_link == expected_rows
    assert {k: v for k, v in counted.items() if v} == {k: v for k, v in expected_human.items() if v}
    assert sorted(os.listdir(directory)) == ["writer.lock"]


def test_a_failed_append_keeps_the_clicks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = ClickBuffer(tmp_path, "secret", interval=1, batch_size=2)
    for i in range(5):
        buffer.add(_click(1, 1, str(i)))

    calls = 0
    real = spool.SpoolFile.append

    def full_disk(self: spool.SpoolFile, clicks: list[Any]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")
        real(self, clicks)

    monkeypatch.setattr(spool.SpoolFile, "append", full_disk)
    with pytest.raises(OSError):
        buffer.hand_off()
    assert [c[5] for c in buffer.pending] == ["v2", "v3", "v4"]  # the first record is in the spool
    assert buffer.hand_off() == 3


def test_user_agents_are_classified() -> None:
    assert classify(UA).device_type == "mobile"
    assert classify(
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
    ).is_bot
    assert classify(None).is_bot
    desktop = classify(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
    )
    assert (desktop.device_type, desktop.os, desktop.browser) == ("desktop", "Windows", "Chrome")
    ipad = classify(
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "Version/17.4 Mobile/15E148 Safari/604.1"
    )
    assert ipad.device_type == "tablet"


async def test_the_row_by_row_path_for_older_sqlite_writes_the_same(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clicks_mod, "_SQLITE_JSON", False)
    link_id = await _link(engine, tenant)
    buffer = _buffer(engine, tmp_path / "clicks")
    for i in range(5):
        buffer.add(_click(link_id, tenant.id, str(i), head=i == 0))
    assert await buffer.flush() == 5
    async with unit_of_work(readonly=True, engine=engine) as s:
        bots = (await s.scalars(select(Click.is_bot).order_by(Click.id))).all()
        counted = await s.scalar(select(Link.click_count).where(Link.id == link_id))
    assert bots == [True, False, False, False, False]
    assert counted == 4
