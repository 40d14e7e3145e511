"""Document engine: Word/Excel templates compiled once, batches streamed into print files, PDF, manifest.

Document kinds use only what is exported here; the engine knows nothing of students or villages.
"""

from reportgen.engine.batch import (
    BatchResult,
    make_meta,
    render_batch,
    render_partition,
    resolve_word_template,
    safe_filename,
)
from reportgen.engine.check import check_template
from reportgen.engine.docx_template import TemplateIssue, WordTemplate, load_word_template
from reportgen.engine.docx_writer import Image, PrintFileWriter, qr_image, write_print_file
from reportgen.engine.environment import ENV, TEXT_ENV
from reportgen.engine.filters import (
    age,
    cndate,
    daxie,
    mask_id,
    mask_phone,
    money,
    parse_date,
    wan,
    wenhao,
)
from reportgen.engine.manifest import Failure, OutputEntry, RunInfo, file_sha256, write_manifest
from reportgen.engine.registry import (
    TemplateRef,
    declare_template,
    export_template,
    find_template,
    list_templates,
    template_spec,
)
from reportgen.engine.xlsx_list import Column, Sheet, write_table_workbook

__all__ = [
    "ENV",
    "TEXT_ENV",
    "BatchResult",
    "Column",
    "Failure",
    "Image",
    "OutputEntry",
    "PrintFileWriter",
    "RunInfo",
    "Sheet",
    "TemplateIssue",
    "TemplateRef",
    "WordTemplate",
    "age",
    "check_template",
    "cndate",
    "daxie",
    "declare_template",
    "export_template",
    "file_sha256",
    "find_template",
    "list_templates",
    "load_word_template",
    "make_meta",
    "mask_id",
    "mask_phone",
    "money",
    "parse_date",
    "qr_image",
    "render_batch",
    "render_partition",
    "render_xlsx",
    "resolve_word_template",
    "safe_filename",
    "template_spec",
    "wan",
    "wenhao",
    "write_manifest",
    "write_print_file",
    "write_table_workbook",
]


def render_xlsx(*args, **kwargs):
    """engine.xlsx_template.render_xlsx, imported on first use: it needs openpyxl (0.14 s to
    import), which no Word document, list workbook or partition worker does."""
    from reportgen.engine.xlsx_template import render_xlsx as render

    return render(*args, **kwargs)
