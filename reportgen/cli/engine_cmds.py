"""`reportgen templates list|export|check` and `reportgen doctor`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from reportgen.cli.app import cli
from reportgen.errors import TemplateError


def workspace_of(ctx: click.Context) -> Path:
    """The workspace folder, from reportgen.config when available, else -C or the current folder."""
    obj = ctx.obj
    try:
        folder = Path(obj.workspace)
    except Exception:  # noqa: BLE001 - config not readable: fall back to the plain option
        return Path(getattr(obj, "workspace_option", None) or os.getcwd())
    # the workspace's settings name its policy pack, whose templates/ replace built-in ones:
    # loading them registers that folder (a broken reportgen.toml is reported, not skipped)
    obj.settings()
    return folder


@cli.group("templates")
def templates_group() -> None:
    """模板：查看、导出内置模板以便修改，检查修改后的模板。

    \b
    工作目录下 templates/（或其中的 docx/、xlsx/ 子目录）里的同名文件会覆盖内置模板。
    """


@templates_group.command("list")
@click.pass_context
def templates_list(ctx: click.Context) -> None:
    """列出全部模板：名称、类型、来源（内置或工作目录覆盖）。"""
    import reportgen.documents  # noqa: F401  (declares every document kind's templates)
    from reportgen.documents.catalog import commands_of_template
    from reportgen.engine import list_templates, template_spec
    from reportgen.engine.registry import kind_label, workspace_templates_dir

    refs = list_templates(workspace_of(ctx))
    if not refs:
        click.echo("没有找到模板。")
        return
    width = max(len(r.name) for r in refs) + 2
    click.echo(f"{'名称'.ljust(width)}类型    来源")
    for r in refs:
        desc = template_spec(r.name, r.kind)
        extra = f"  {desc.description}" if desc and desc.description else ""
        used = "、".join(f"reportgen {c}" for c in commands_of_template(r.name))
        extra += f"（{used}）" if used else ""
        click.echo(f"{r.name.ljust(width)}{kind_label(r.kind).ljust(8)}{r.label}{extra}")
    folder = workspace_templates_dir(workspace_of(ctx))
    click.echo(f"\n覆盖内置模板：把同名文件放到 {folder}（或其中的 docx/、xlsx/ 子目录）。")


@templates_group.command("export")
@click.argument("name")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖。")
@click.pass_context
def templates_export(ctx: click.Context, name: str, directory: str | None, force: bool) -> None:
    """把内置模板 NAME 复制到目录 DIRECTORY（默认：工作目录的 templates/docx 或 templates/xlsx），以便修改。"""
    import reportgen.documents  # noqa: F401  (declares every document kind's templates)
    from reportgen.engine import export_template
    from reportgen.engine.registry import workspace_templates_dir

    if directory is None:
        ref_kind = "xlsx" if name.lower().endswith(".xlsx") else "docx"
        directory = str(workspace_templates_dir(workspace_of(ctx)) / ref_kind)
    target = export_template(name, directory, overwrite=force)
    click.echo(f"已导出：{target}")
    click.echo(
        "用 Word/WPS（或 Excel）修改后保存；放在工作目录 templates/ 下即覆盖内置模板。修改后请运行："
    )
    click.echo(f"  reportgen templates check {target}")


@templates_group.command("check")
@click.argument("file")
@click.option(
    "--as",
    "as_name",
    metavar="模板名",
    help="按哪种文书的变量检查（默认取文件名，如 公文.docx → 公文）。",
)
@click.pass_context
def templates_check(ctx: click.Context, file: str, as_name: str | None) -> None:
    """检查模板 FILE（文件路径或模板名）：标签是否成对、写法是否正确、变量是否都有。"""
    import reportgen.documents  # noqa: F401  (declares every document kind's templates)
    from reportgen.engine import check_template, template_spec

    sample = None
    if as_name:
        kind = "xlsx" if file.lower().endswith(".xlsx") else "docx"
        spec = template_spec(as_name, kind)
        if spec is None:
            raise TemplateError(f"没有名为“{as_name}”的文书类型")
        sample = spec.sample
    issues = check_template(file, workspace=workspace_of(ctx), sample=sample)
    if not issues:
        click.echo(f"模板检查通过：{file}")
        return
    click.echo(f"模板 {file} 有 {len(issues)} 个问题：", err=True)
    for issue in issues:
        click.echo(f"  {issue}", err=True)
    ctx.exit(TemplateError.exit_code)


@cli.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def verify(ctx: click.Context, folder: Path) -> None:
    """核对输出文件夹：每个文件与 manifest.json 记录的是否一致（缺少、内容不符、多出的文件，被中断的运行留下的临时文件）。

    \b
    例：reportgen verify 输出/学生资助明白卡
        reportgen verify demo-out          （逐个核对其下每个有 manifest.json 的文件夹）
    有不一致时退出码为 1。
    """
    from reportgen.engine.manifest import check_folder, manifest_folders

    folders = manifest_folders(folder)
    if not folders:
        raise click.UsageError(f"{folder} 及其下的文件夹中没有 manifest.json，无从核对")
    bad = 0
    for f in folders:
        result = check_folder(f)
        where = f.relative_to(folder).as_posix() if f != folder else str(folder)
        if result.ok:
            click.echo(f"✓ {where}：{result.matching} 个文件与 manifest.json 一致")
            continue
        bad += 1
        if result.incomplete:
            click.echo(f"✗ {where}：manifest.json 标记为未完成：{result.incomplete}")
        counts = "，".join(f"{label} {len(items)} 个" for label, items in (
            ("缺少", result.missing), ("内容与记录不符", result.changed), ("未记录（多出）", result.extra),
            ("中断的运行留下的临时文件", result.leftovers)) if items)  # fmt: skip
        if counts or not result.incomplete:
            click.echo(f"✗ {where}：{result.matching} 个一致，{counts}")
        for label, items in (("缺少", result.missing), ("不符", result.changed), ("多出", result.extra),
                             ("残留", result.leftovers)):  # fmt: skip
            for name in items[:20]:
                click.echo(f"    {label}：{name}")
            if len(items) > 20:
                click.echo(f"    ……另有 {len(items) - 20} 个{label}")
    if bad:
        click.echo(f"\n{bad} 个文件夹与其 manifest.json 不一致。", err=True)
        ctx.exit(1)


@cli.command("doctor")
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """检查运行环境：LibreOffice（生成 PDF）、中文字体（文书要的字体和本机实际用的字体）、pdftoppm、正在使用的数据库、并行生成。"""
    from reportgen.engine.pdf import environment_checks

    checks = environment_checks()
    db_line = _database_line(ctx)
    missing = 0
    for c in checks:
        mark = "✓" if c.ok else "✗"
        missing += 0 if c.ok else 1
        need = f"（用于{c.required_for}）" if c.required_for else ""
        click.echo(f"{mark} {c.name}{need}：{c.detail}")
    for line in _font_lines(ctx):
        click.echo(line)
    click.echo(db_line)
    click.echo(_parallel_line())
    if missing:
        click.echo(
            f"\n有 {missing} 项缺失；缺少 LibreOffice 或中文字体时仍可生成 Word/Excel 文件，但不能生成 PDF。"
        )
    else:
        click.echo("\n环境完整。")


def _font_lines(ctx: click.Context) -> list[str]:
    """The fonts the built-in (and the workspace's own) templates ask for, and the faces used."""
    from reportgen.engine.fonts import font_lines
    from reportgen.paths import builtin_templates_dir

    folders = [builtin_templates_dir()]
    try:
        own = ctx.obj.settings().workspace / "templates"
        if own.is_dir():
            folders.append(own)
    except Exception:  # noqa: BLE001 - doctor must report, not fail (no workspace here)
        pass
    return font_lines(folders)[0]


def _parallel_line() -> str:
    """Cores for --workers, and whether the optional Dask extra for --cluster is installed."""
    from importlib.metadata import PackageNotFoundError, version

    from reportgen.workers import CLUSTER_EXTRA, default_workers, forks_here

    start = (
        "工作进程以 fork 方式启动"
        if forks_here()
        else "工作进程以 spawn 方式启动（每个先导入约 0.6 秒，小数据时单进程）"
    )
    cores = f"✓ 并行生成：本机可用 {default_workers()} 个 CPU 核（--workers 默认值），{start}"
    try:
        return f"{cores}；Dask distributed {version('distributed')}（可用 --cluster）"
    except PackageNotFoundError:
        return f"{cores}；Dask distributed 未安装（可选，用于 --cluster：{CLUSTER_EXTRA}）"


def _database_line(ctx: click.Context) -> str:
    try:
        settings = ctx.obj.settings()
        url = (
            getattr(settings, "db_url", None)
            or getattr(settings, "database_url", None)
            or getattr(settings, "db", None)
        )
    except Exception as err:  # noqa: BLE001 - doctor must report, not fail
        return f"? 数据库：无法读取配置（{err}）"
    return f"✓ 数据库：{_hide_password(str(url))}" if url else "? 数据库：未配置"


def _hide_password(url: str) -> str:
    from reportgen.redact import redact

    return redact(url)
