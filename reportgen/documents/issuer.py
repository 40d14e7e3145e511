"""The 公文 parts of a document from reportgen.toml `[issuer]` (GB/T 9704-2012; DOMAIN §5): 版头
(发文机关标志, 发文字号, 签发人), 主送机关, 落款 and 附注 (联系人、电话).

One organ name is printed in the title, the 版头 and the 落款. A part the document must carry
that is not configured is printed as a blank to fill by hand and named in one line at generation
(and in manifest.json); nothing is made up. 发文字号 take the next number of the year from the
dataset's `meta` table; re-generating the same document (kind, scope, period) keeps its number,
so a re-run writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from reportgen.dataset.schema import meta

BLANK = "＿" * 8  # a part to fill in by hand


@dataclass(frozen=True)
class Form:
    """How a document kind is issued: 文件格式 or 信函格式, 上行文 (with 签发人) or not."""

    kind: str  # selfcheck / monthly: the key of its 主送机关 setting and of its number
    name: str  # 自查报告: what the generation notes call it
    format: str  # 文件 / 信函
    upward: bool  # 上行文: carries 签发人 (GB/T 9704-2012 7.2.6)
    number_keys: tuple[str, ...]  # the settings giving its 发文字号 pattern, first set wins


# 季度自查报告: a 报告 to the level above, 文件格式 (a 报告 never uses 信函格式).
SELFCHECK = Form("selfcheck", "自查报告", "文件", True, ("issuer.number_pattern",))
# 月报: a 函 to departments of the same level (平行文), 信函格式 (GB/T 9704-2012 10.1).
MONTHLY = Form("monthly", "月报函", "信函", False,
               ("issuer.letter_number_pattern", "issuer.number_pattern"))  # fmt: skip

_LABELS = {
    "issuer.organ": "发文机关",
    "issuer.number_pattern": "发文字号",
    "issuer.signer": "签发人",
    "issuer.recipients.selfcheck": "主送机关",
    "issuer.recipients.monthly": "主送机关",
    "issuer.contact": "联系人",
    "issuer.phone": "联系电话",
}


@dataclass
class OfficialParts:
    """What the template prints: `letterhead` (版头), `recipient` (主送机关), `signature` (落款),
    `annotation` (附注); `organ` is "" when not configured (the title then names no organ)."""

    organ: str
    letterhead: dict[str, str]
    recipient: str
    annotation: str
    notes: list[str] = field(default_factory=list)

    @property
    def signature(self) -> str:
        return self.organ or BLANK

    def self_reference(self) -> str:
        """How the organ names itself in the text: 我局 for a 局, else 我单位."""
        return "我局" if self.organ.endswith("局") else "我单位"


def _missing(form: Form, key: str) -> str:
    name = key.removeprefix("issuer.")
    return f"提示：reportgen.toml 未设置 [issuer] {name}（{_LABELS[key]}），{form.name}中留空待手填"


def official_parts(
    settings_values: dict,
    form: Form,
    *,
    dataset,
    document: str,
    today: dt.date,
    organ: str | None = None,
) -> OfficialParts:
    """The parts of one document. `document` names it for its 发文字号 (kind|scope|period).

    `organ` given (a township's 人民政府): the document is not the county organ's, so `[issuer]`
    does not apply; its number, 签发人, 主送机关 and 联系人 are left blank, in one note.
    """
    v = settings_values
    notes: list[str] = []
    if organ is not None:
        notes.append(
            f"提示：[issuer] 是县级发文机关的设置，不用于{organ}的{form.name}；"
            "发文字号、" + ("签发人、" if form.upward else "") + "主送机关、联系人和电话留空待手填"
        )
        mark = organ + ("文件" if form.format == "文件" else "")
        letterhead = {"format": form.format, "mark": mark, "number": BLANK,
                      "signer": BLANK if form.upward else ""}  # fmt: skip
        return OfficialParts(organ, letterhead, BLANK, f"（联系人：{BLANK}，电话：{BLANK}）", notes)

    organ = v["issuer.organ"]
    if not organ:
        notes.append(_missing(form, "issuer.organ"))
    mark = v["issuer.mark"]
    if form.format == "信函":  # 10.1: the organ's name, without 文件
        mark = mark.removesuffix("文件")
    mark = mark or (organ + ("文件" if form.format == "文件" else "") if organ else BLANK)

    pattern = next((v[k] for k in form.number_keys if v[k]), "")
    if pattern:
        number = document_number(dataset, pattern, today.year, document)
    else:
        number = BLANK
        notes.append(_missing(form, "issuer.number_pattern"))

    signer = ""
    if form.upward:
        signer = v["issuer.signer"] or BLANK
        if not v["issuer.signer"]:
            notes.append(_missing(form, "issuer.signer"))

    recipient_key = f"issuer.recipients.{form.kind}"
    recipient = v[recipient_key] or BLANK
    if not v[recipient_key]:
        notes.append(_missing(form, recipient_key))

    contact, phone = v["issuer.contact"], v["issuer.phone"]
    for key, value in (("issuer.contact", contact), ("issuer.phone", phone)):
        if not value:
            notes.append(_missing(form, key))
    annotation = f"（联系人：{contact or BLANK}，电话：{phone or BLANK}）"
    letterhead = {"format": form.format, "mark": mark, "number": number, "signer": signer}
    return OfficialParts(organ, letterhead, recipient, annotation, notes)


# ------------------------------------------------------------------------------------ 发文字号
def _meta_get(conn, key: str) -> str | None:
    return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()


def _meta_put(conn, key: str, value: str) -> None:
    conn.execute(meta.delete().where(meta.c.key == key))
    conn.execute(meta.insert().values(key=key, value=value))


def document_number(dataset, pattern: str, year: int, document: str) -> str:
    """The 发文字号 of `document`: the one it was given before (same pattern), else the next
    number of `year` in the sequence of `pattern` (documents sharing a pattern share a sequence,
    as an organ's 代字 does). Stored in `meta` (key ≤ 64 characters)."""
    key = f"docno|{document}"[:64]
    seq = f"docno-seq|{year}|{hashlib.sha1(pattern.encode('utf-8')).hexdigest()[:16]}"
    with dataset.engine.begin() as conn:
        saved = _meta_get(conn, key)
        if saved:
            given = json.loads(saved)
            if given.get("pattern") == pattern:
                return pattern.format(year=given["year"], n=given["n"])
        n = int(_meta_get(conn, seq) or 0) + 1
        _meta_put(conn, seq, str(n))
        _meta_put(
            conn, key, json.dumps({"pattern": pattern, "year": year, "n": n}, ensure_ascii=False)
        )
    return pattern.format(year=year, n=n)
