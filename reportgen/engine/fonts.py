"""Which fonts the documents ask for, and which this machine will use for them (`reportgen doctor`).

Official documents name 仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体 and 宋体 (GB/T 9704). Word and
WPS on Windows have most of them; on Linux LibreOffice substitutes. reportgen's own PDF
conversion maps each name to the closest installed face (engine/data/fonts.conf: serif for 仿宋
and 宋体, sans for 黑体); a document opened directly in LibreOffice goes through the system's
fontconfig, which may pick a different face. Both are reported, so that a clerk knows why a
printout looks different from the one made on the office PC, and what to install.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

_RFONTS = re.compile(r'<w:rFonts\b[^>]*\bw:eastAsia="([^"]+)"')
# names a face answers to, per requested font (fontconfig lists a face's Chinese and English names)
NATIVE = {
    "仿宋_GB2312": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong"),
    "仿宋": ("仿宋", "FangSong"),
    "方正小标宋简体": ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK"),
    "楷体_GB2312": ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi"),
    "楷体": ("楷体", "KaiTi"),
    "黑体": ("黑体", "SimHei"),
    "宋体": ("宋体", "SimSun"),
}
LIST_FONTS = ("宋体", "黑体")  # the .xlsx lists (engine/xlsx_list.py)
# the files of each font in Windows' Fonts folder (`doctor`, and engine/pdf.cjk_fonts)
WINDOWS_FILES = {
    "仿宋_GB2312": ("simfang.ttf", "FS_GB2312.ttf"), "仿宋": ("simfang.ttf",), "宋体": ("simsun.ttc",),
    "黑体": ("simhei.ttf",), "楷体_GB2312": ("simkai.ttf", "KaiTi_GB2312.ttf"), "楷体": ("simkai.ttf",),
    "方正小标宋简体": ("FZXBSJW.TTF", "方正小标宋简体.ttf"),
}  # fmt: skip


def requested_fonts(template_dirs: list[Path]) -> list[str]:
    """East-Asian font names the .docx templates in `template_dirs` use, then the lists' fonts."""
    names: dict[str, None] = {}
    for folder in template_dirs:
        for path in sorted(folder.rglob("*.docx")):
            try:
                with zipfile.ZipFile(path) as z:
                    for part in z.namelist():
                        if part.startswith("word/") and part.endswith(".xml"):
                            names.update(
                                dict.fromkeys(
                                    _RFONTS.findall(z.read(part).decode("utf-8", "replace"))
                                )
                            )
            except (OSError, zipfile.BadZipFile):
                continue  # `templates check` reports broken templates
    names.update(dict.fromkeys(LIST_FONTS))
    return list(names)


@dataclass(frozen=True)
class Resolved:
    requested: str
    face: str | None  # the face used; None when nothing answers (or no way to tell)
    native: bool  # the face is the font asked for (or its Windows twin)
    cjk: bool  # the face has Chinese glyphs


def _fc_match(name: str, conf: Path | None) -> tuple[str, bool] | None:
    fc = shutil.which("fc-match")
    if not fc:
        return None
    env = dict(os.environ)
    if conf is not None:
        env["FONTCONFIG_FILE"] = str(conf)
    else:
        env.pop("FONTCONFIG_FILE", None)
    try:
        out = subprocess.run([fc, "-f", "%{family}\t%{lang}", f"{name}:lang=zh-cn"], capture_output=True,
                             text=True, timeout=20, env=env).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    family, _, langs = out.partition("\t")
    return family, "zh-cn" in langs.split("|")


def resolve(name: str, *, project: bool) -> Resolved:
    """The face `name` comes out as: through reportgen's mapping (`project`, as in its PDFs) or the
    system's (a document opened directly)."""
    if platform.system() == "Windows":
        fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        found = next((f for f in WINDOWS_FILES.get(name, ()) if (fonts / f).exists()), None)
        return Resolved(name, found, found is not None, found is not None)
    conf = Path(__file__).with_name("data") / "fonts.conf" if project else None
    got = _fc_match(name, conf)
    if got is None:
        return Resolved(name, None, False, False)
    family, cjk = got
    families = [f.strip() for f in family.split(",") if f.strip()]
    native = any(f in NATIVE.get(name, (name,)) for f in families)
    return Resolved(name, families[0] if families else None, native, cjk)


def font_lines(template_dirs: list[Path]) -> tuple[list[str], bool]:
    """`doctor`'s lines about fonts, and whether every font has Chinese glyphs in reportgen's PDFs."""
    names = requested_fonts(template_dirs)
    mine = [resolve(n, project=True) for n in names]
    lines = []
    if (
        any(r.face is None for r in mine)
        and platform.system() != "Windows"
        and not shutil.which("fc-match")
    ):
        return ["? 文书字体：本机没有 fc-match（fontconfig），无法判断字体替代"], True
    shown = "；".join(
        f"{r.requested} → {r.face or '无'}{'' if r.native else '（替代）'}" for r in mine
    )
    ok = all(r.cjk for r in mine)
    lines.append(f"{'✓' if ok else '✗'} 文书字体（reportgen 转 PDF 时）：{shown}")
    if platform.system() != "Windows":
        system = [resolve(n, project=False) for n in names]
        differ = [(m, s) for m, s in zip(mine, system) if m.face != s.face]
        if differ:
            lines.append("  直接用 LibreOffice 打开 .docx/.xlsx 时另有替代：" + "；".join(
                f"{s.requested} → {s.face or '无'}{'（缺中文字形）' if not s.cjk else ''}" for _, s in differ))  # fmt: skip
    missing = [r.requested for r in mine if not r.native]
    if missing:
        lines.append(
            f"  本机没有 {'、'.join(missing)}，用相近的字体替代：字形与 Word/WPS 打印的不同，模板按固定行距排版，"
            "页数不变。要完全一致，请安装这些字体（Windows 自带仿宋、楷体、黑体、宋体；方正小标宋简体需另行安装；"
            "Linux 可复制 Windows 的字体文件到 ~/.fonts 后运行 fc-cache）"
        )
    if not ok:
        lines.append("  有字体没有中文字形，PDF 会缺字：Debian/Ubuntu 请安装 fonts-noto-cjk")
    return lines, ok
