from kefu.search.grams import Token, document_terms, highlight, matches, parse_query


def test_chinese_text_is_indexed_by_bigrams_and_its_last_character():
    assert document_terms("宽带断网").split() == ["宽带", "带断", "断网", "网"]


def test_digits_are_indexed_by_four_grams_and_their_tail():
    terms = document_terms("13812345678").split()
    assert "1381" in terms and "5678" in terms and terms[-3:] == ["678", "78", "8"]


def test_an_ascii_word_is_kept_whole_and_its_digits_get_four_grams():
    terms = document_terms("ts20261122000123").split()
    assert terms[0] == "ts20261122000123" and "0123" in terms


def test_a_two_character_query_needs_one_bigram_and_a_one_character_query_is_a_prefix():
    assert parse_query("话费").tokens == (Token("话费"),)
    assert parse_query("宽").tokens == (Token("宽", prefix=True),)


def test_a_long_query_is_covered_by_non_overlapping_bigrams():
    assert [t.text for t in parse_query("宽带经常断线").tokens] == ["宽带", "经常", "断线"]
    assert [t.text for t in parse_query("信号很差").tokens] == ["信号", "很差"]
    assert [t.text for t in parse_query("套餐费").tokens] == ["套餐", "餐费"]


def test_spaces_and_punctuation_separate_terms_that_must_all_occur():
    query = parse_query("宽带,断网 退费")
    assert query.terms == ("宽带", "断网", "退费")
    assert matches("宽带这周断网三次,要求退费", query)
    assert not matches("宽带这周断网三次", query)


def test_verification_removes_bigram_false_positives():
    query = parse_query("宽带费用")
    assert not matches("宽带 带费 费用", query)
    assert matches("本月宽带费用多扣", query)


def test_a_formatted_phone_number_is_one_term():
    query = parse_query("138-1234 5678")
    assert query.terms == ("13812345678",) and query.is_phone


def test_highlight_marks_every_occurrence_and_cuts_a_window_around_the_first():
    pieces = highlight("话费多扣了，话费要退", ("话费",))
    assert [p for p, m in pieces if m] == ["话费", "话费"]
    assert "".join(p for p, _ in pieces) == "话费多扣了，话费要退"
    long = "前" * 100 + "宽带" + "后" * 100
    window = highlight(long, ("宽带",), width=40)
    assert window[0] == ("…", False) and window[-1] == ("…", False) and ("宽带", True) in window


def test_highlight_maps_matches_on_the_normalised_text_back_to_the_original():
    pieces = highlight("寬帶斷了", ("宽带",), normalised="宽带断了")
    assert pieces[0] == ("寬帶", True)


def test_index_queries_quote_every_token():
    from kefu.search.backends import _fts5_match, _pg_tsquery

    tokens = (Token("话费"), Token("宽", prefix=True), Token("it's"))
    assert _pg_tsquery(tokens) == "'话费' & '宽':* & 'it''s'"
    assert _fts5_match(tokens) == '"话费" AND "宽"* AND "it\'s"'


def test_a_mobile_number_with_the_country_prefix_is_searched_as_stored():
    assert parse_query("+86 138 1234 5678").terms == ("13812345678",)
    assert parse_query("008613812345678").terms == ("13812345678",)
    assert parse_query("8613812345678").terms == ("13812345678",)
