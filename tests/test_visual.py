"""Visual regression (issue 21): one representative page of every document kind, rendered by
LibreOffice from the example county exactly as the documentation's pictures are
(tools/render_doc_images.py), must keep the layout of its stored picture in docs/images/: the
same file, page and page count (a text overflow adds pages) and the same inked areas on a 3 mm
grid (tolerant to antialiasing, strict on where text, lines and tables are). A deliberate change
of layout updates the pictures: `python tools/render_doc_images.py`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "render_doc_images.py"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("soffice", "pdftoppm", "pdftotext", "pdfinfo")),
    reason="needs LibreOffice and poppler",
)


def _tool():
    sys.path.insert(0, str(TOOL.parent))
    try:
        import render_doc_images as tool
    finally:
        sys.path.remove(str(TOOL.parent))
    return tool


def test_every_document_kind_has_a_reference_page():
    from reportgen.documents.catalog import DOCUMENT_KINDS
    from reportgen.documents.forms import KINDS as FORMS

    tool = _tool()
    commands = {s.command[0] for s in tool.SHOTS}
    assert {k.command for k in DOCUMENT_KINDS} <= commands
    forms = {s.command[s.command.index("--kind") + 1] for s in tool.SHOTS if s.command[0] == "form"}
    assert forms == set(FORMS)
    notices = {
        s.command[s.command.index("--kind") + 1] for s in tool.SHOTS if s.command[0] == "notice"
    }
    assert {"inclusion", "elimination", "project", "project-result", "inclusion-result"} <= notices
    layout = json.loads((ROOT / "docs" / "images" / "版面.json").read_text(encoding="utf-8"))
    assert set(layout) == {s.image for s in tool.SHOTS}
    for name, facts in layout.items():
        assert (ROOT / "docs" / "images" / f"{name}.png").is_file(), name
        assert 1 <= facts["page"] <= facts["pages"], name


def test_the_pages_keep_their_layout(tmp_path):
    done = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True,
                          timeout=1800, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_the_comparison_sees_a_moved_line_but_not_antialiasing(tmp_path):
    from PIL import Image, ImageDraw, ImageFilter

    tool = _tool()
    page = Image.new("L", (600, 840), 255)
    draw = ImageDraw.Draw(page)
    for y in range(100, 700, 24):  # lines of "text"
        draw.rectangle((60, y, 540, y + 10), fill=0)
    draw.rectangle((60, 720, 540, 780), outline=0)  # a table
    reference = tmp_path / "ref.png"
    page.save(reference)
    soft = tmp_path / "soft.png"
    page.filter(ImageFilter.GaussianBlur(0.6)).save(soft)  # antialiasing
    assert tool.layout_difference(reference, soft) is None
    moved = Image.new("L", (600, 840), 255)
    draw = ImageDraw.Draw(moved)
    for y in range(100, 700, 26):  # the line height grew by 2 pixels
        draw.rectangle((60, y, 540, y + 10), fill=0)
    draw.rectangle((60, 720, 540, 780), outline=0)
    moved_path = tmp_path / "moved.png"
    moved.save(moved_path)
    assert "有字区块不同" in (tool.layout_difference(reference, moved_path) or "")
