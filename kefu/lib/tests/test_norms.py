from kefu.lib import norms

SAMPLE = """# catalogue
## 1. Telephone
| id | norm | as |
|---|---|---|
| phone.open.greeting | First words 您好 | R S |
| phone.open.no_wei | Never 喂 | R |
## 2. Counter
| counter.seven_steps | 一笑 | C |
"""


def test_it_parses_ids_with_their_sections():
    assert norms.parse_norms(SAMPLE) == {
        "phone.open.greeting": "1. Telephone",
        "phone.open.no_wei": "1. Telephone",
        "counter.seven_steps": "2. Counter",
    }


def test_it_counts_whole_token_citations_only(tmp_path):
    (tmp_path / "rules.yaml").write_text("cites: [phone.open.greeting]\n# phone.open.no_wei_extra is another id\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("counter.seven_steps")  # tests do not count as citations
    ids = norms.parse_norms(SAMPLE)
    assert norms.cited_ids(ids, tmp_path) == {"phone.open.greeting"}


def test_a_copy_of_the_whole_catalogue_is_not_a_citation(tmp_path):
    ids = norms.parse_norms(SAMPLE)
    (tmp_path / "ids.json").write_text(str(list(ids)))
    assert norms.cited_ids(ids, tmp_path) == set()


def test_the_cli_reports_the_missing_ids(tmp_path, capsys):
    (tmp_path / "NORMS.md").write_text(SAMPLE)
    (tmp_path / "kefu").mkdir()
    (tmp_path / "kefu" / "a.py").write_text('"""Implements norm counter.seven_steps."""')
    assert norms.main(["--norms", str(tmp_path / "NORMS.md"), "--root", str(tmp_path / "kefu")]) == 0
    out = capsys.readouterr().out
    assert "phone.open.no_wei" in out and "1/3 norms cited" in out


def test_a_missing_catalogue_is_a_clear_error(tmp_path, capsys):
    assert norms.main(["--norms", str(tmp_path / "nope.md")]) == 2
    assert "not found" in capsys.readouterr().err
