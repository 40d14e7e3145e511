"""`reportgen render`: any Word/Excel template filled from a JSON, .xlsx or .csv data file."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli.app import cli
from reportgen.cli.engine_cmds import workspace_of


@cli.command("render")
@click.argument("template", metavar="模板")
@click.argument("data", metavar="数据文件", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out",
    required=True,
    metavar="文件",
    type=click.Path(dir_okay=False),
    help="输出文件（扩展名与模板相同：.docx 或 .xlsx）。",
)
@click.option(
    "--batch",
    is_flag=True,
    help="数据里有多条记录时，每条记录印一页，合成一个打印文件（仅 Word 模板）。",
)
@click.option(
    "--picture",
    "pictures",
    multiple=True,
    metavar="名称=图片文件",
    callback=lambda ctx, param, value: _pictures(value),
    help="把模板里名为“名称”的图片（Word 选择窗格里的名称或替换文字）换成这个图片文件，"
    "所有记录都换；可写多次。",
)
@click.pass_context
def render_cmd(
    ctx: click.Context, template: str, data: str, out: str, batch: bool, pictures: dict[str, str]
) -> None:
    """用任意模板和一个数据文件生成文书，不用写程序就能做一种新文书。

    \b
    模板：Word（.docx）或 Excel（.xlsx）模板文件，或模板名（如 公文，工作目录 templates/ 优先）。
    数据文件：
      .json  一个对象 {…} 是一条记录，对象的列表 [{…}, {…}] 是多条记录；
      .xlsx  第一个工作表，第一行是字段名（表头），以下每一行是一条记录；
      .csv   同 .xlsx（UTF-8 或 GBK 编码）。
    表头“学校.名称”在模板里写 {{ 学校.名称 }}；日期、数字保持原类型，文本（如带前导零的编码）原样。

    \b
    不加 --batch 时数据里只能有一条记录；加 --batch 时（Word 模板）每条记录从新的一页开始，
    全部记录合成一个打印文件。Excel 模板一次生成一个工作簿（多条记录请用重复行 {%tr for %}）。
    模板用到而数据里没有的变量会报错（退出码 6），并指出是哪条记录、模板哪一行。
    工作目录里的 filters.py 定义的自定义过滤器可以直接使用（见 docs/templates.md）。

    \b
    例子：
      reportgen render 证明.docx 张三.json --out 张三证明.docx
      reportgen render 证明.docx 名单.xlsx --batch --out 证明_全部.docx
      reportgen render 名单 名单数据.json --out 王庄村名单.xlsx
      reportgen render 证明.docx 张三.json --picture 印章=公章.png --out 张三证明.docx

    \b
    图片：模板里写 {{ 照片|image(width_mm=30) }}，数据里写图片文件名（在数据文件所在文件夹或模板所在
    文件夹里找）；模板里已有的图片（如印章）用 --picture 名称=图片文件 替换（见 docs/templates.md）。
    """
    from reportgen.engine.generic import render_file
    from reportgen.records import load_records

    records = load_records(data)
    done = render_file(
        template, records, out, batch=batch, workspace=workspace_of(ctx), pictures=pictures
    )
    click.echo(f"已生成：{done.path}（{done.records} 条记录）")


def _pictures(values: tuple[str, ...]) -> dict[str, str]:
    """`名称=文件` options as {name: file}; the file is relative to the current folder."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, path = value.partition("=")
        name, path = name.strip(), path.strip()
        if not sep or not name or not path:
            raise click.BadParameter(
                f"“{value}”应写成 名称=图片文件，如 --picture 印章=公章.png", param_hint="--picture"
            )
        if not Path(path).is_file():
            raise click.BadParameter(f"找不到图片文件：{path}", param_hint="--picture")
        if name in out:
            raise click.BadParameter(f"图片“{name}”写了两次", param_hint="--picture")
        out[name] = path
    return out
