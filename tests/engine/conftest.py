import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from docx_helpers import make_card_template  # noqa: E402


@pytest.fixture
def card_template(tmp_path) -> Path:
    return make_card_template(tmp_path / "tpl")
