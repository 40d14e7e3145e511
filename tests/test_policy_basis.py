"""政策依据: every rule cites, by a key of the policy's [basis] table, a document that the seed names
for the seed section the rule comes from — checked against the seed's own list (tests/data/
seed_basis.toml, re-derived from the seed when shared/seeds/ is beside the repository) and read
back from the quarterly report a user prints."""

import re
import shutil
import sys
import tokenize
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from reportgen.config import DEFAULT_POLICY, load_policy
from reportgen.dataset.importer import import_paths
from reportgen.dataset.store import Dataset
from reportgen.paths import example_data_dir
from reportgen.rules import load_rules

SEED_LIST = Path(__file__).parent / "data" / "seed_basis.toml"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_5c18c60bd560c7e4.txt"
WENHAO = re.compile(r"[^()（）《》〈〉]*?〔\d{4}〕\d+号")
DROPOUT, STUDENT_AID, MONITORING_GUIDE = (
    "教基〔2022〕158号",
    "豫教财〔2023〕171号",
    "国乡振发〔2023〕4号",
)


def seed_list() -> dict:
    return tomllib.loads(SEED_LIST.read_text(encoding="utf-8"))


def flat(text: str) -> str:
    """Whitespace and the inner title brackets removed: the seed prints <…> where the policy file
    prints 〈…〉, and breaks lines anywhere."""
    return re.sub(r"[\s<>〈〉]", "", text)


def wenhao(text: str) -> str:
    (found,) = WENHAO.findall(text.split("（")[-1]) or [""]
    return found.strip()


def seed_parts(section: str) -> set[str]:
    """The seed parts a rule's `seed` names: “三.一.(二).3①；一.四” → {三.一, 一.四};
    “第四部分 3” → the part whose work that indicator measures."""
    parts = set(re.findall(r"(?<![.)])([一二三四])\.([一二三四五六七])", section))
    indicators = seed_list()["indicators"]
    return {f"{a}.{b}" for a, b in parts} | {
        indicators[n] for n in re.findall(r"第四部分\s*(\d)", section)
    }


# ------------------------------------------------------------------ the seed's own list
def _from_seed(text: str) -> tuple[dict, dict]:
    """(文号 → file name, part → cited 文号) from each part's “(一)政策依据” block of the seed."""
    heads = {"一": "第一部分责任落实方面", "二": "第二部分政策落实方面", "三": "第三部分工作落实方面", "四": "第四部分成效巩固"}  # fmt: skip
    numbers = "一二三四五六七八九十"
    text = re.sub(r"\s+", "", text)
    starts = [(part, text.index(head)) for part, head in heads.items()]
    documents, cited = {}, {}
    for i, (part, start) in enumerate(starts):
        body = text[start : starts[i + 1][1] if i + 1 < len(starts) else len(text)]
        for n, block in enumerate(re.findall(r"\(一\)政策依据(.*?)\(二\)", body)):
            found = re.findall(r"[(（]([^()（）《》]*?〔\d{4}〕\d+号)[)）]", block)
            cited[f"{part}.{numbers[n]}"] = list(dict.fromkeys(found))
            titled = r"《([^《》]+)》[^《》()（）]*[(（]([^()（）《》]*?〔\d{4}〕\d+号)[)）]"
            documents.update({no: title for title, no in re.findall(titled, block)})
    return documents, cited


@pytest.mark.skipif(not SEED.exists(), reason=f"the seed is not beside the repository ({SEED})")
def test_the_vendored_list_is_what_the_seed_says():
    documents, cited = _from_seed(SEED.read_text(encoding="utf-8"))
    listed = seed_list()
    assert listed["documents"] == documents
    assert listed["cited"] == cited
    # spot checks of the reading itself: the education part cites both 控辍保学 and 学生资助
    assert cited["二.一"][-2:] == [DROPOUT, STUDENT_AID]
    assert documents[DROPOUT] == "关于进一步做好控辍保学有关工作的通知"


# ------------------------------------------------------------------ the policy file
def test_every_basis_of_the_policy_file_is_a_document_the_seed_cites():
    documents = seed_list()["documents"]
    basis = load_policy(DEFAULT_POLICY).data["basis"]
    assert {"dropout", "student_aid", "monitoring", "monitoring_guide"} <= set(basis)
    for key, text in basis.items():
        number = wenhao(text)
        assert number in documents, f"basis.{key}: {number or '没有文号'} is not cited by the seed"
        assert flat(documents[number]) in flat(text), f"basis.{key}: not the seed's title"


def test_an_ambiguous_education_key_is_gone():
    """One key once stood for 控辍保学 and 学生资助 alike and printed 豫教财〔2023〕171号 for both."""
    assert "education" not in load_policy(DEFAULT_POLICY).data["basis"]


# ------------------------------------------------------------------ the rules
@pytest.fixture(scope="module")
def policy():
    return load_policy(DEFAULT_POLICY)


@pytest.fixture(scope="module")
def rules(policy):
    return [r.bound(policy) for r in load_rules(None).values() if r.builtin]


def test_every_rule_cites_a_document_of_its_seed_section(rules, policy):
    cited = seed_list()["cited"]
    for r in rules:
        assert r.basis in policy.data["basis"], f"{r.id}: basis {r.basis!r} is not a policy key"
        parts = seed_parts(r.seed)
        assert parts, f"{r.id}: no seed part in {r.seed!r}"
        allowed = {n for p in parts for n in cited.get(p, [])}
        number = wenhao(r.basis_text(policy))
        assert number in allowed, f"{r.id} (梳理 {r.seed}): {number} is not among {sorted(allowed)}"


def test_dropout_rules_cite_the_dropout_notice_and_aid_rules_the_aid_measures(rules, policy):
    dropout = [r for r in rules if r.entity == "dropout_case"]
    aid = [r for r in rules if r.entity == "student"]
    assert len(dropout) == 6 and {r.id for r in aid} == {"A-UNPAID", "A-SPECIAL", "A-SHORT"}
    for r in dropout:
        assert wenhao(r.basis_text(policy)) == DROPOUT, r.id
    for r in aid:
        assert wenhao(r.basis_text(policy)) == STUDENT_AID, r.id
    by_id = {r.id: r for r in rules}
    # 因学 risk → 教育帮扶 means 学生资助 and 雨露计划 (seed 二.一.(二).2)
    assert wenhao(by_id["M-STUDY-EDU"].basis_text(policy)) == STUDENT_AID
    # 风险消除 “收入稳定超过当年监测范围” is the wording the seed quotes from 国乡振发〔2023〕4号 (三.一.(一)3②)
    assert wenhao(by_id["M-ELIM-INCOME"].basis_text(policy)) == MONITORING_GUIDE


def test_no_rule_module_writes_a_wenhao():
    """A 文号 belongs to the policy file: the rules' strings name a [basis] key (comments may quote)."""
    folder = Path(__file__).resolve().parents[1] / "reportgen" / "rules"
    for path in sorted(folder.glob("*.py")):
        with path.open(encoding="utf-8") as f:
            strings = [
                t.string for t in tokenize.generate_tokens(f.readline) if t.type == tokenize.STRING
            ]
        assert strings and not [s for s in strings if re.search(r"〔\d{4}〕", s)], path.name


# ------------------------------------------------------------------ in the report
@pytest.fixture
def example(workspace, module_db, backend, new_db, monkeypatch):
    url = module_db()
    dataset = Dataset.open(url, create=True)
    import_paths(dataset, [example_data_dir() / "示例县"])
    dataset.dispose()
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    if backend == "sqlite":
        shutil.copy(sa.engine.make_url(url).database, workspace / "reportgen.db")
    else:
        monkeypatch.setenv("REPORTGEN_DB", new_db(template=url))
    (workspace / "reportgen.toml").write_text('[county]\nname = "青山县"\n', encoding="utf-8")
    return workspace


def test_the_report_prints_each_rules_own_basis(run, example):
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    report = example / "输出/自查报告/青山县_2023年第三季度_自查报告.docx"
    texts = [p.text for p in Document(str(report)).paragraphs]

    def lead(title: str) -> str:
        return next(t for t in texts if re.match(rf"\d+\.{re.escape(title)}（", t))

    attempts = lead("劝返不足3次仍未复学")
    assert (
        "政策依据：河南省教育厅《关于进一步做好控辍保学有关工作的通知》（教基〔2022〕158号）"
        in attempts
    )
    assert "豫教财" not in attempts
    for title in ("延缓入学/休学未经县级批准", "送教上门每月不足2次或每次不足3课时"):
        assert DROPOUT in lead(title) and "豫教财" not in lead(title), title
    unpaid = lead("符合资助条件的学生本学年未获任何资助（应享未享）")
    assert "《关于印发〈河南省学生资助项目管理办法〉的通知》（豫教财〔2023〕171号）" in unpaid
    assert MONITORING_GUIDE in lead("风险消除但收入未超过监测范围")
