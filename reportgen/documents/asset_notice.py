"""资产处置结果公示 (seed 三.三.(二).4③: 处置结果要及时进行公示): one notice in the 公文 layout per
village, township or county whose project assets were disposed of, written beside the 项目资产台账
by `reportgen ledger --kind assets` (documents/ledgers.py decides which assets go on which notice).

A public notice: it states only the date the data are as of, prints no personal information (the
privacy check over the rendered text refuses one that does) and takes its first paragraph from the
policy pack (`ledgers.assets.notice_body`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from reportgen.dates import cn_date
from reportgen.documents.common import DocumentRun
from reportgen.documents.notices import issuer_of
from reportgen.documents.privacy import privacy_check
from reportgen.engine import OutputEntry, render_batch, safe_filename
from reportgen.engine.official_table import fit_table
from reportgen.errors import ConfigError
from reportgen.places import resolve_place

TEMPLATE = "公文"
COLUMNS = ["序号", "资产名称", "所属项目", "原值（万元）", "处置日期", "处置方式"]
RECIPIENTS = {"村": "全体村（居）民", "乡": "各村（居）民"}  # the county's: 社会各界


@dataclass(frozen=True)
class Disposal:
    """One disposed asset, a line of the notice."""

    name: str
    project: str
    original_value: Decimal | None
    disposed_on: dt.date
    disposal: str


@dataclass
class DisposalNotices:
    outputs: list[OutputEntry] = field(default_factory=list)
    notices: list[tuple[str, int]] = field(default_factory=list)  # (file, assets on it)
    notes: list[str] = field(default_factory=list)  # a notice not made, and why
    templates: list[dict[str, str]] = field(default_factory=list)


def _wan(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(str(value)):.4f}"


def write_disposal_notices(
    run: DocumentRun, disposals: dict[str, list[Disposal]], day: dt.date
) -> DisposalNotices:
    """`资产处置结果公示_<地点>_<日期>.docx` in run.out_dir for each region code of `disposals`,
    dated `day` and publicised from that day for the pack's minimum publicity period. A notice
    whose issuer is not configured (the county's, [offices] county) is left out with a note."""
    policy, settings = run.policy, run.settings
    result = DisposalNotices()
    national = str(policy.value("projects.supervision_hotline"))
    county_hotline = settings.values["hotlines.supervision"]
    offices = [n for n in [*settings.values["hotlines.office_numbers"], county_hotline, national] if n]  # fmt: skip
    inspect = privacy_check(offices, health_terms=())
    supervision = "、".join(x for x in (national, county_hotline) if x)
    days = int(policy.value("monitoring.publicity_min_days"))
    end = day + dt.timedelta(days=days - 1)
    meta = run.meta(public=True, day=day)
    for code in sorted(disposals):
        place = resolve_place(run.dataset, code)
        try:
            issuer = issuer_of(settings, place)
        except ConfigError as exc:
            result.notes.append(f"{place.name}的资产处置结果公示未生成：{exc}")
            continue
        items = disposals[code]
        total = sum((d.original_value for d in items if d.original_value is not None), Decimal(0))
        name = f"{place.township}{place.name}" if place.level == "村" else place.name
        rows = [
            [str(i), d.name, d.project, _wan(d.original_value), cn_date(d.disposed_on), d.disposal]
            for i, d in enumerate(items, start=1)
        ]  # fmt: skip
        ctx = {
            "title": f"{name}扶贫项目资产处置结果公示",
            "doc_number": "",
            "letterhead": None,
            "recipient": RECIPIENTS.get(place.level, "社会各界"),
            "paragraphs": [
                policy.text(
                    "ledgers.assets.notice_body", place=name, year=day.year, count=len(items)
                )
            ],
            # the asset's and the project's names wrap; value, date and 处置方式 stay whole
            "table": fit_table(
                "资产处置结果", COLUMNS, [*rows, ["合计", "", "", _wan(total), "", ""]], wrap={1, 2}
            ),
            "closing": [
                f"公示期：{cn_date(day)}至{cn_date(end)}（{days}天）。",
                f"公示期内如有异议，请向{issuer}反映，或拨打监督电话：{supervision}。",
            ],
            "issuer": issuer,
            "date": day,
            "_file": safe_filename(f"资产处置结果公示_{place.file_label}_{cn_date(day)}"),
        }
        batch = render_batch(TEMPLATE, [ctx], run.out_dir, file_name=lambda g, c: c["_file"], meta=meta,
                             label=lambda c: c["title"], workspace=settings.workspace, manifest=False,
                             raise_on_failure=True, inspect=inspect)  # fmt: skip
        result.outputs += batch.outputs
        result.notices.append((batch.outputs[0].file, len(items)))
        result.templates = [{"name": batch.template_name, "sha256": batch.template_sha256}]
    return result
