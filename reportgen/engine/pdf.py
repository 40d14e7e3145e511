"""PDF through LibreOffice headless (own profile per run, timeout, one retry) and the `doctor` checks."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reportgen.engine.fonts import WINDOWS_FILES
from reportgen.errors import ExternalToolError

INSTALL_HINT_LINUX = "sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk poppler-utils"
INSTALL_HINT_WINDOWS = (
    "从 LibreOffice 官方网站下载安装 LibreOffice（安装后把 program 目录加入 PATH）"
)


def _install_hint() -> str:
    return (
        INSTALL_HINT_WINDOWS
        if platform.system() == "Windows"
        else f"Debian/Ubuntu：{INSTALL_HINT_LINUX}"
    )


def find_soffice() -> str | None:
    """Path of the LibreOffice program, from $REPORTGEN_SOFFICE, PATH or the usual install folders."""
    env = os.environ.get("REPORTGEN_SOFFICE")
    if env and Path(env).exists():
        return env
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = [
        Path(os.environ.get("ProgramFiles", r"C:\Program Files"))
        / "LibreOffice"
        / "program"
        / "soffice.exe",
        Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)"))
        / "LibreOffice"
        / "program"
        / "soffice.exe",
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
    ]
    for c in candidates:
        if c.exists():
            return str(c)
    return None


def soffice_version(soffice: str) -> str:
    try:
        out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60)
        return out.stdout.strip() or out.stderr.strip()
    except (OSError, subprocess.SubprocessError) as err:
        return f"（无法读取版本：{err}）"


def cjk_fonts() -> list[str]:
    """Installed font families that cover Chinese (fc-list; on Windows the Fonts folder)."""
    if platform.system() == "Windows":
        folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        return [
            name
            for name, files in WINDOWS_FILES.items()
            if any((folder / f).exists() for f in files)
        ]
    fc = shutil.which("fc-list")
    if not fc:
        return []
    try:
        out = subprocess.run(
            [fc, ":lang=zh", "family"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    families = set()
    for line in out.splitlines():
        for fam in line.split(","):
            if fam.strip():
                families.add(fam.strip())
    return sorted(families)


def require_pdf_tools() -> str:
    """The soffice path, or an ExternalToolError saying what to install."""
    soffice = find_soffice()
    if not soffice:
        raise ExternalToolError(
            f"生成 PDF 需要 LibreOffice，但没有找到 soffice。请安装：{_install_hint()}"
        )
    if not cjk_fonts():
        raise ExternalToolError(
            f"没有找到中文字体，PDF 中的汉字会显示为方框。请安装中文字体：{_install_hint()}"
        )
    return soffice


def convert_to_pdf(
    docx: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    timeout: float | None = None,
    retries: int = 1,
) -> Path:
    """Convert one file with `soffice --headless --convert-to pdf`; the PDF lands beside it (atomically)."""
    soffice = require_pdf_tools()
    src = Path(docx).resolve()
    dest_dir = Path(out_dir) if out_dir else src.parent
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / (src.stem + ".pdf")
    if timeout is None:
        timeout = 180 + src.stat().st_size / 1e6 * 60  # big print files take minutes
    last = ""
    for _attempt in range(retries + 1):
        with tempfile.TemporaryDirectory(prefix="reportgen-lo-") as work:
            profile = Path(work, "profile").as_uri()
            outdir = Path(work, "out")
            cmd = [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(outdir),
                str(src),
            ]
            try:
                proc = subprocess.run(
                    cmd,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    stdin=subprocess.DEVNULL,
                    env=_soffice_env(),
                )
                produced = outdir / (src.stem + ".pdf")
                if produced.exists() and produced.stat().st_size > 0:
                    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                    shutil.move(str(produced), tmp)
                    os.replace(tmp, target)
                    return target
                last = (proc.stderr or proc.stdout or "").strip()[
                    -500:
                ] or f"退出码 {proc.returncode}"
            except subprocess.TimeoutExpired:
                last = f"超过 {int(timeout)} 秒未完成"
            except OSError as err:
                last = str(err)
    raise ExternalToolError(f"LibreOffice 转换 PDF 失败（{src.name}）：{last}")


def _soffice_env() -> dict[str, str]:
    """On Linux, map the official-document font names (仿宋_GB2312, 方正小标宋简体 …) to installed faces."""
    env = dict(os.environ)
    conf = Path(__file__).with_name("data") / "fonts.conf"
    if platform.system() == "Linux" and "FONTCONFIG_FILE" not in env and conf.exists():
        env["FONTCONFIG_FILE"] = str(conf)
    return env


@dataclass
class Check:
    """One line of `reportgen doctor`: what, whether it is usable, details or the fix."""

    name: str
    ok: bool
    detail: str
    required_for: str = ""


def environment_checks() -> list[Check]:
    """LibreOffice, CJK fonts and poppler, as `reportgen doctor` reports them (database is added by the CLI)."""
    checks = []
    soffice = find_soffice()
    if soffice:
        checks.append(Check("LibreOffice", True, f"{soffice_version(soffice)}（{soffice}）", "PDF"))
    else:
        checks.append(Check("LibreOffice", False, f"未安装。安装：{_install_hint()}", "PDF"))
    fonts = cjk_fonts()
    if fonts:
        shown = "、".join(fonts[:6]) + (f" 等 {len(fonts)} 种" if len(fonts) > 6 else "")
        checks.append(Check("中文字体", True, shown, "PDF、打印"))
    else:
        checks.append(Check("中文字体", False, f"未找到。安装：{_install_hint()}", "PDF、打印"))
    pdftoppm = shutil.which("pdftoppm")
    checks.append(
        Check(
            "pdftoppm（poppler）",
            bool(pdftoppm),
            pdftoppm
            or "未安装（可选，用于预览 PDF）。Debian/Ubuntu：sudo apt-get install poppler-utils",
            "预览",
        )
    )
    return checks
