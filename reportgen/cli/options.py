"""What several commands share: the output folder and parallel options, a dated run of one
document command, and the date the run takes as today."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from reportgen.cli.app import AppContext
from reportgen.dates import DateTextError, parse_day
from reportgen.errors import ConfigError
from reportgen.redact import redact_argv


def today() -> dt.date:
    """Today, or REPORTGEN_TODAY (YYYY-MM-DD) to reproduce a run of another day exactly."""
    fixed = os.environ.get("REPORTGEN_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise ConfigError(f"环境变量 REPORTGEN_TODAY 应为 YYYY-MM-DD：{fixed}") from None
    return dt.date.today()


@contextmanager
def document_run(app: AppContext, command: str, out: Path, options: dict):
    """Settings, dataset and output folder of one document command; the dataset is closed after.
    The folder is held for this command alone (engine/outfolder): a second command for it stops
    with a message, its manifest says incomplete until the command writes a new one, and what a
    killed run left there is removed first (and said)."""
    from reportgen.documents.common import DocumentRun
    from reportgen.engine.outfolder import claim_folder
    from reportgen.workspace import open_dataset

    settings = app.settings()
    out = out if out.is_absolute() else settings.workspace / out
    line = (
        "reportgen " + " ".join(redact_argv(sys.argv[1:]))
        if sys.argv and sys.argv[0].endswith("reportgen")
        else f"reportgen {command}"
    )
    with claim_folder(out) as claim:
        if claim.cleaned:
            click.echo(f"已清理上次被中断的运行留下的临时文件 {len(claim.cleaned)} 个：" + "、".join(claim.cleaned[:5])
                       + ("……" if len(claim.cleaned) > 5 else ""), err=True)  # fmt: skip
        dataset = open_dataset(settings)
        try:
            yield DocumentRun(settings, dataset, out.resolve(), line, options, today())
        finally:
            dataset.dispose()


def print_outputs(outputs, out_dir: Path) -> None:
    """One line per file written, with its record count."""
    for o in outputs:
        click.echo(f"  {out_dir / o.file}（{o.records} 条）")


def out_option(default_out: str):
    """--out 输出文件夹 (relative to the workspace) with the command's default sub-folder."""
    return click.option(
        "--out",
        "out_dir",
        default=default_out,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="输出文件夹。",
    )


def parallel_options(partitions: str, single: str):
    """--workers N and --cluster ADDRESS of a partitioned batch command; `partitions` says how the
    batch is cut, `single` when it still runs in one process."""

    def wrap(f):
        f = click.option(
            "--cluster",
            metavar="ADDRESS",
            help="在 Dask 集群上生成：tcp://主机:端口（已运行的调度器），或 local（本机 LocalCluster，"
            "进程数同 --workers）。需 pip install 'reportgen[cluster]'；输出文件夹、工作区和 SQLite "
            "数据库须是各工作节点同一路径可访问的共享存储。单进程情形同 --workers。",
        )(f)
        return click.option(
            "--workers",
            type=click.IntRange(min=1),
            metavar="N",
            help=f"并行进程数，{partitions}（默认 CPU 核数；1 = 单进程）。{single}时单进程生成。",
        )(f)

    return wrap


@contextmanager
def partitioned(workers: int | None, cluster: str | None) -> Iterator[int]:
    """Within: the partitioned path's worker count (with --cluster always the partition path, on
    the cluster); exits 8 at once when --cluster is given and `distributed` is missing."""
    from reportgen.workers import default_workers, on_cluster

    n = workers or default_workers()
    with on_cluster(cluster, n):
        yield max(n, 2) if cluster else n


def parse_date_option(value: str | None) -> dt.date | None:
    """A date option's value (2023-09-01 and the other ways the import accepts); None if not given."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except DateTextError:
        raise ConfigError(f"日期写法不对：{value}（如 2023-09-01）") from None
