"""Document commands: each parses its options, calls one document function, prints what it wrote."""

from __future__ import annotations

import click

from reportgen.cli.app import AppContext, cli
from reportgen.cli.options import (
    document_run,
    out_option,
    parallel_options,
    parse_date_option,
    partitioned,
    print_outputs,
)
from reportgen.cli.progress import progress_bar
from reportgen.dates import cn_date

pass_app = click.make_pass_decorator(AppContext)


def selection_options(f):
    f = click.option("--class", "class_name", metavar="班级", help="只生成这个班级（如 1班）。")(f)
    f = click.option("--county", is_flag=True, help="全县所有学校。")(f)
    f = click.option("--township", metavar="乡镇", help="乡镇名称或代码：该乡镇所有学校。")(f)
    f = click.option("--school", metavar="学校", help="学校名称或学校代码。")(f)
    return f


def zip_option(f):
    return click.option(
        "--zip",
        "as_zip",
        is_flag=True,
        help="把生成的 Word 文件打包成一个 .zip（名单等 .xlsx 另放）。",
    )(f)


def output_options(default_out: str):
    def wrap(f):
        f = zip_option(f)
        f = click.option(
            "--split", is_flag=True, help="每名学生一个文件（默认每校一个打印文件）。"
        )(f)
        f = click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")(f)
        return out_option(default_out)(f)

    return wrap


@cli.command("card")
@selection_options
@click.option("--year", type=int, help="学年（如 2023 表示 2023—2024 学年），默认当前学年。")
@output_options("输出/学生资助明白卡")
@parallel_options("每校一个分区", "--split、--zip ")
@click.pass_context
def card_cmd(
    ctx, school, township, county, class_name, year, out_dir, pdf, split, as_zip, workers, cluster
):
    """学生资助政策明白卡：每生一页，每校一个打印文件，另附名单 .xlsx。

    \b
    例：reportgen card --school 城关镇第一初级中学
        reportgen card --township 城关镇 --pdf
        reportgen card --school S01 --class 1班 --split
    """
    from reportgen.aid.students import count_students, select_schools
    from reportgen.documents.aid_card import make_cards
    from reportgen.documents.common import current_school_year

    app: AppContext = ctx.obj
    options = {
        "school": school,
        "township": township,
        "county": county,
        "class": class_name,
        "year": year,
        "pdf": pdf,
        "split": split,
    }
    with document_run(app, "card", out_dir, options) as run:
        selection = select_schools(
            run.dataset, school=school, township=township, county=county, class_name=class_name
        )
        school_year = year or current_school_year(run.today)
        with (
            partitioned(workers, cluster) as processes,
            progress_bar(ctx, count_students(run.dataset, selection), "明白卡") as progress,
        ):
            result = make_cards(
                run, selection, year=school_year, split=split, pdf=pdf, progress=progress,
                zip_name=f"学生资助政策明白卡_{selection.file_label}" if as_zip else None,
                workers=processes,
            )  # fmt: skip
        click.echo(f"已生成 {result.schools} 所学校 {result.students} 名学生的学生资助政策明白卡：")
        print_outputs(result.outputs, run.out_dir)
        if not result.students:
            click.echo("（所选范围内没有学生）")


@cli.command("aid-notice")
@selection_options
@click.option(
    "--year",
    type=int,
    help="学年：如 2023 表示 2023—2024 学年，每名学生一份，列出 2023年秋季学期和2024年春季学期的全部发放。"
    "告知书按学年在春季学期结束前发放。",
)
@click.option(
    "--term",
    help="只列一个学期，如 2024年春季学期。--year 和 --term 都不给时：数据中最近的有发放记录的学期。",
)
@output_options("输出/学生受助情况温馨告知书")
@parallel_options("每校一个分区", "--split、--zip ")
@click.pass_context
def aid_notice_cmd(
    ctx, school, township, county, class_name, year, term, out_dir, pdf, split, as_zip, workers,
    cluster,
):  # fmt: skip
    """学生受助情况温馨告知书：每名受助学生一页，每校一个打印文件，另附汇总 .xlsx（含应享未享名单）。

    \b
    例：reportgen aid-notice --county --year 2023              （2023—2024学年，春季学期结束前发放）
        reportgen aid-notice --county --term 2023年秋季学期
        reportgen aid-notice --school 城关镇第一初级中学
        reportgen aid-notice --county --year 2023 --workers 4
    """
    from reportgen.aid.students import count_students, select_schools
    from reportgen.documents.aid_notice import make_aid_notices

    if year is not None and term:
        raise click.UsageError(
            "--year 和 --term 只能给出一个：--year 生成整个学年（秋季、春季两个学期）的告知书，--term 只生成一个学期的。",
            ctx,
        )
    app: AppContext = ctx.obj
    options = {
        "school": school,
        "township": township,
        "county": county,
        "class": class_name,
        "year": year,
        "term": term,
        "pdf": pdf,
        "split": split,
    }
    with document_run(app, "aid-notice", out_dir, options) as run:
        selection = select_schools(
            run.dataset, school=school, township=township, county=county, class_name=class_name
        )
        with (
            partitioned(workers, cluster) as processes,
            progress_bar(ctx, count_students(run.dataset, selection), "告知书") as progress,
        ):
            result = make_aid_notices(
                run, selection, term=term, year=year, split=split, pdf=pdf, progress=progress,
                zip_name=f"学生受助情况温馨告知书_{selection.file_label}" if as_zip else None,
                workers=processes,
            )  # fmt: skip
        click.echo(
            f"{result.period.label}：已生成 {result.letters} 份学生受助情况温馨告知书；应享未享 {result.missed} 人（见汇总表）："
        )
        print_outputs(result.outputs, run.out_dir)
        if result.unpaid_terms:
            click.echo(
                f"注意：所选范围内{'、'.join(result.unpaid_terms)}没有发放记录，告知书中没有{'这两个学期' if len(result.unpaid_terms) > 1 else '该学期'}的项目。"
            )
        if result.missed_unknown_grade:
            click.echo(
                f"注意：应享未享中有 {result.missed_unknown_grade} 人的年级写法看不出入学学年，已按在读计入（见汇总表“备注”列）。"
            )


@cli.command("yulu-notice")
@click.option("--village", metavar="村", help="村名、村区划代码或“乡镇/村”（同名村须写乡镇）。")
@click.option("--township", metavar="乡镇", help="乡镇名称或代码：其下每个有受助学生的村一份公示。")
@click.option("--county", is_flag=True, help="全县每个有受助学生的村各一份公示。")
@click.option(
    "--year", type=int, help="学年：如 2023 表示 2023—2024 学年（秋季、春季两个学期的发放）。"
)
@click.option(
    "--term", help="只列一个学期，如 2023年秋季学期。都不给时：数据中最近的有雨露计划发放的学期。"
)
@click.option("--date", "date_text", metavar="日期", help="公示第一天（默认今天）。")
@click.option(
    "--days", type=int, help="公示天数（含首尾两天），默认为政策包规定的最短公示天数，不得少于它。"
)
@out_option("输出/雨露计划补助公示")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@zip_option
@parallel_options("每乡镇一个分区", "--zip ")
@click.pass_context
def yulu_notice_cmd(
    ctx, village, township, county, year, term, date_text, days, out_dir, pdf, as_zip, workers,
    cluster,
):  # fmt: skip
    """雨露计划助学补助公示（公文格式）：每村一份，列出该村受助学生和补助金额，另附公示名单 .xlsx。

    数据来自“资助发放”中政策包雨露计划项目（雨露计划助学补助）的发放记录，学生按证件号码对应到户和村。
    对应不到村的学生不进任何公示，名单“未对应到村”列出；户类别不是脱贫户也不在监测中的学生照实公示，
    名单“备注”列标出待核实。公示不含身份证号和电话。

    \b
    例：reportgen yulu-notice --county --year 2023 --date 2023-10-09
        reportgen yulu-notice --township 城关镇 --term 2023年秋季学期
    """
    from reportgen.documents.yulu_notice import make_yulu_notices, yulu_job
    from reportgen.places import require_one_scope, resolve_scope

    require_one_scope(village, township, county)
    if year is not None and term:
        raise click.UsageError("--year 和 --term 只能给出一个", ctx)
    app: AppContext = ctx.obj
    options = {"village": village, "township": township, "county": county, "year": year,
               "term": term, "date": date_text, "days": days, "pdf": pdf}  # fmt: skip
    with document_run(app, "yulu-notice", out_dir, options) as run:
        place = resolve_scope(run.dataset, village, township, county)
        start = parse_date_option(date_text) or run.today
        job = yulu_job(run, place, term=term, year=year, start=start, days=days)
        from reportgen.documents.yulu_notice import KIND

        with (
            partitioned(workers, cluster) as processes,
            progress_bar(ctx, KIND.total(run, job), "公示") as progress,
        ):
            result = make_yulu_notices(
                run, job, pdf=pdf, progress=progress, workers=processes,
                zip_name=f"雨露计划助学补助公示_{place.file_label}" if as_zip else None,
            )  # fmt: skip
        click.echo(f"{place.label}{result.period.label}：已生成 {result.villages} 个村的雨露计划助学补助公示，"
                   f"共 {result.students} 名学生：")  # fmt: skip
        print_outputs(result.outputs, run.out_dir)
        if not result.villages:
            click.echo("（所选范围内没有发放雨露计划助学补助的学生）")
        if result.unplaced:
            click.echo(
                f"注意：{result.unplaced} 名已发放的学生证件号码在户籍人口中找不到，未列入任何村的公示（见名单“未对应到村”）。"
            )
        if result.out_of_scope:
            click.echo(
                f"注意：{result.out_of_scope} 名学生的户类别不是脱贫户，也不在监测中，已照实公示，名单“备注”列标出待核实。"
            )


@cli.command("monitor-sheet")
@click.option("--village", metavar="村", help="村名、村区划代码或“乡镇/村”（同名村须写乡镇）。")
@click.option("--township", metavar="乡镇", help="乡镇名称或代码：其下每个村一个打印文件。")
@click.option("--county", is_flag=True, help="全县每个村。")
@click.option("--household", metavar="户编号", help="只生成这一户。")
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="村里每一户都发：脱贫户每户两页（脱贫人口明白卡和申报政策明白纸），其他未在监测的户（一般农户、"
    "已消除风险的户）每户一页申报政策明白纸（默认只生成正在监测的户）。",
)
@click.option(
    "--poor",
    is_flag=True,
    help="同时给未在监测的脱贫户各印两页：脱贫人口明白卡和申报政策明白纸（梳理 三.一.(三).4③ “脱贫人口和监测对象明白卡”）。",
)
@out_option("输出/防止返贫监测明白纸")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@zip_option
@parallel_options("每村一个分区", "--zip、--household ")
@click.pass_context
def monitor_sheet_cmd(
    ctx, village, township, county, household, include_all, poor, out_dir, pdf, as_zip, workers,
    cluster,
):  # fmt: skip
    """防止返贫监测明白卡和申报政策、帮扶政策明白纸：每村一个打印文件，另附每村发放名单 .xlsx。

    正在监测的户每户两页：第1页明白卡只写数据中有的信息，没有的留空线由入户时如实填写；
    第2页是申报政策和帮扶政策，与该户风险和成员情况相关的政策加“★”并注明原因。
    用 --poor（或 --all）时未在监测的脱贫户每户两页：脱贫人口明白卡和申报政策明白纸。
    用 --all 时村里其他户（一般农户、未在监测的脱贫户、已消除风险的户）每户一页申报政策明白纸，
    印有户主姓名和户编号，便于入户发放、自主申报。每户从新的一页开始，名单列出每户发了哪几页。

    \b
    例：reportgen monitor-sheet --village 城关镇/王庄村
        reportgen monitor-sheet --township 河口乡 --all --pdf
        reportgen monitor-sheet --household H0123
        reportgen monitor-sheet --township 城关镇 --poor
    """
    from reportgen.documents.monitor_sheet import (
        count_households,
        make_monitor_sheets,
        select_villages,
    )

    app: AppContext = ctx.obj
    options = {
        "village": village,
        "township": township,
        "county": county,
        "household": household,
        "all": include_all,
        "poor": poor,
        "pdf": pdf,
    }
    with document_run(app, "monitor-sheet", out_dir, options) as run:
        villages, only = select_villages(
            run.dataset, village=village, township=township, county=county, household=household
        )
        with (
            partitioned(workers, cluster) as processes,
            progress_bar(
                ctx, count_households(run.dataset, villages, include_all, poor), "明白纸"
            ) as progress,
        ):
            result = make_monitor_sheets(
                run, villages, household=only, include_all=include_all, poor=poor, pdf=pdf, progress=progress,
                zip_name="防止返贫监测明白纸_" + (village or township or household or "全县") if as_zip else None,
                workers=processes,
            )  # fmt: skip
        others = result.households - result.monitored - result.poor_cards
        poor_text = (f"未在监测的脱贫户 {result.poor_cards} 户每户两页（脱贫人口明白卡和申报政策），"
                     if result.poor_cards else "")  # fmt: skip
        click.echo(f"已生成 {result.villages} 个村 {result.households} 户的防止返贫监测明白纸："
                   f"正在监测的 {result.monitored} 户每户两页（明白卡和申报政策、帮扶政策），{poor_text}"
                   f"其他 {others} 户每户一页（申报政策）；"
                   f"其中 {result.incomplete} 户明白卡有信息缺失，已留空待填，见名单：")  # fmt: skip
        print_outputs(result.outputs, run.out_dir)
        if not result.households:
            click.echo("（所选范围内没有正在监测的户；用 --all 给村里每一户发申报政策明白纸）"
                       if not include_all else "（所选范围内没有户）")  # fmt: skip


@cli.command("notice")
@click.option("--village", metavar="村", help="村名、村区划代码或“乡镇/村”（同名村须写乡镇）。")
@click.option(
    "--township", metavar="乡镇", help="乡镇名称或代码：以乡镇名义公示其下各村，以及跨村的项目。"
)
@click.option(
    "--county",
    is_flag=True,
    help="以县名义公示公告项目（含跨乡镇的项目）；落款为 [offices] county。",
)
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(["project", "project-result", "inclusion", "elimination", "baodi", "inclusion-result", "elimination-result"]),
              help="公示种类，可多次给出：project 项目公示、project-result 项目公告、inclusion 识别纳入公示、elimination 风险消除公示、"
                   "baodi 兜底保障户公示、inclusion-result 识别纳入结果公告、elimination-result 风险消除结果公告（以乡镇名义，"
                   "列出县级审批后的户）。默认：有内容的全部种类。")  # fmt: skip
@click.option(
    "--date",
    "date_text",
    metavar="日期",
    help="公示第一天（默认今天）。监测类公示列出数据中公示开始日期为这一天的户，以及已入户核实、尚未公示的户。",
)
@click.option(
    "--days",
    type=int,
    help="公示天数（含首尾两天）；默认监测类 5 天、项目类按政策参数。数据已记录公示起止日期的户按数据印出。",
)
@click.option("--year", type=int, help="项目年度（按计划开工日期），默认公示日期所在年。")
@out_option("输出/公示公告")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@pass_app
def notice_cmd(
    app: AppContext, village, township, county, kinds, date_text, days, year, out_dir, pdf
):
    """公示公告（公文格式）：项目公示/公告、监测对象识别纳入公示、风险消除公示、兜底保障户公示，
    以及县级审批后以乡镇名义的识别纳入、风险消除结果公告。

    每份公示一个 .docx（另附表格 .xlsx，便于网上公开），并记录公示的地点、种类和起止日期；
    尚未公示的户，其公示起止日期同时记入数据。数据记录的公示期不足 5 天的，不生成该公示并列出
    这些户（退出码 7），其余公示照常生成。
    公示不含身份证号、居民手机号和病情；若模板引用了这些信息，生成会被拒绝。

    \b
    例：reportgen notice --village 城关镇/王庄村 --date 2023-09-01
        reportgen notice --township 河口乡 --kind project --year 2023 --days 10
        reportgen notice --village 城关镇/王庄村 --kind inclusion-result --date 2023-09-20
    """
    from reportgen.documents.notices import make_public_notices
    from reportgen.places import require_one_scope, resolve_scope

    require_one_scope(village, township, county)
    options = {
        "village": village,
        "township": township,
        "county": county,
        "kind": list(kinds),
        "date": date_text,
        "days": days,
        "year": year,
        "pdf": pdf,
    }
    with document_run(app, "notice", out_dir, options) as run:
        place = resolve_scope(run.dataset, village, township, county)
        start = parse_date_option(date_text) or run.today
        result = make_public_notices(
            run, place, kinds=list(kinds) or None, start=start, days=days, year=year, pdf=pdf
        )
        if not result.issued and not result.failures:
            click.echo(f"{place.label}：{cn_date(start)}没有需要公示的内容。")
        for label, rows in result.issued:
            click.echo(f"{label}：{rows} 条")
        for label in result.skipped:
            click.echo(f"{label}：没有符合条件的内容，未生成")
        for note in result.notes:
            click.echo(note)
        print_outputs(result.outputs, run.out_dir)
        if result.failures:
            from reportgen.errors import RenderError

            lines = "\n  ".join(f"{f.record}{f.message}" for f in result.failures)
            raise RenderError(f"{len(result.failures)} 份公示未生成（其余已生成）：\n  {lines}")


@cli.command("roster")
@click.option("--township", metavar="乡镇", required=True, help="乡镇名称或代码：以该乡镇名义报县。")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["proposed", "baodi-filing"]),
              help="名单种类，可多次给出：proposed 拟纳入防止返贫监测对象名单（乡级审核后报县级审批）、"
                   "baodi-filing 整户无劳动能力兜底保障户县级备案名单（乡级确定后报县级备案）。默认：有内容的全部种类。")  # fmt: skip
@click.option("--date", "date_text", metavar="日期", help="截至日期和落款日期（默认今天）。")
@out_option("输出/上报名单")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@pass_app
def roster_cmd(app: AppContext, township, kinds, date_text, out_dir, pdf):
    """乡镇上报县级的名单（公文格式，附 .xlsx）：拟纳入防止返贫监测对象名单、整户无劳动能力兜底保障户县级备案名单。

    列出截至 --date 已乡级审核（确定）、尚未县级审批（备案）的户。没有公示记录或公示期不足的户，
    以及兜底名单中有成员有劳动能力的户，在名单“备注”列和屏幕上列出，供县级审核时核实。

    \b
    例：reportgen roster --township 河口乡 --date 2023-09-20
        reportgen roster --township 石桥镇 --kind proposed --pdf
    """
    from reportgen.documents.rosters import make_rosters
    from reportgen.places import resolve_place

    options = {"township": township, "kind": list(kinds), "date": date_text, "pdf": pdf}
    with document_run(app, "roster", out_dir, options) as run:
        place = resolve_place(run.dataset, township, level="乡")
        day = parse_date_option(date_text) or run.today
        result = make_rosters(run, place, kinds=list(kinds) or None, day=day, pdf=pdf)
        if not result.issued:
            click.echo(f"{place.label}：截至{cn_date(day)}没有需要上报的户。")
        for label, n in result.issued:
            click.echo(f"{label}：{n} 户")
        for label in result.skipped:
            if kinds:
                click.echo(f"{label}：没有符合条件的户，未生成")
        for note in result.notes:
            click.echo(f"注意：{note}")
        print_outputs(result.outputs, run.out_dir)


@cli.command("dropout")
@click.option("--county", is_flag=True, help="全县所有辍学学生。")
@click.option("--township", metavar="乡镇", help="乡镇名称或代码：该乡镇学校的辍学学生。")
@click.option("--school", metavar="学校", help="学校名称或学校代码。")
@click.option("--student", metavar="学籍号", help="只生成这一名学生。")
@click.option(
    "--as-of",
    "as_of_text",
    metavar="日期",
    help="截至日期（含当天，默认今天）：劝返、送教等记录算到这一天，送教上门逐月检查到这一天为止已满的最后一个月。",
)
@out_option("输出/控辍保学")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 把档案转成 PDF。")
@zip_option
@parallel_options("学生按台账顺序分批，每批 500～1000 人", "不足 1000 名学生或 --zip ")
@click.pass_context
def dropout_cmd(
    ctx, county, township, school, student, as_of_text, out_dir, pdf, as_zip, workers, cluster
):
    """控辍保学“一生一表一档案”：每名辍学学生一份档案 .docx，另附台账 .xlsx（含问题和分乡镇分学校统计）。

    档案含登记表、劝返记录表、送教上门记录表、处置情况和发现的问题；数据中没有的日期留空线待填。

    \b
    例：reportgen dropout --county --as-of 2023-10-01
        reportgen dropout --township 石桥镇 --pdf
        reportgen dropout --student 0620230010
        reportgen dropout --county --cluster tcp://10.0.0.5:8786
    """
    from reportgen.documents.dropout_archive import (
        count_cases,
        make_dropout_documents,
        select_cases,
    )

    app: AppContext = ctx.obj
    options = {
        "county": county,
        "township": township,
        "school": school,
        "student": student,
        "as_of": as_of_text,
        "pdf": pdf,
    }
    with document_run(app, "dropout", out_dir, options) as run:
        selection = select_cases(run.dataset, county=county, township=township, school=school,
                                 student=student, county_name=run.settings.county_name)  # fmt: skip
        as_of = parse_date_option(as_of_text) or run.today
        total = count_cases(run.dataset, selection, as_of)
        with (
            partitioned(workers, cluster) as processes,
            progress_bar(ctx, total, "控辍保学档案") as progress,
        ):
            result = make_dropout_documents(run, selection, as_of=as_of, pdf=pdf, progress=progress,
                                            zip_name=f"控辍保学档案_{selection.label}" if as_zip else None,
                                            workers=processes)  # fmt: skip
        click.echo(f"{selection.label}：截至{cn_date(as_of)}，已生成 {result.students} 名辍学学生的控辍保学档案；"
                   f"发现问题 {result.problems} 条，涉及 {result.with_problems} 名学生（见台账“问题”列）：")  # fmt: skip
        print_outputs(result.outputs, run.out_dir)
        if not result.students:
            click.echo("（所选范围内没有辍学学生）")
