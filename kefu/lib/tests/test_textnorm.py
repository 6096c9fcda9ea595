from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.lib.textnorm import fold_width, normalize, to_simplified


def test_it_converts_traditional_to_simplified() -> None:
    assert normalize("請您稍候，謝謝您的來電") == "请您稍候,谢谢您的来电"


def test_it_keeps_simplified_text_as_is_apart_from_punctuation() -> None:
    assert normalize("您好,很高兴为您服务") == "您好,很高兴为您服务"


def test_it_folds_full_width_letters_digits_and_punctuation() -> None:
    assert normalize("ＶＩＰ客戶１００８６！") == "vip客户10086!"
    assert fold_width("（工號：１２３）") == "(工号:123)".replace("号", "號")


def test_it_folds_chinese_quotes_and_brackets() -> None:
    assert normalize("「您好」【通知】《协议》") == '"您好"[通知]<协议>'


def test_it_maps_every_whitespace_to_a_plain_space() -> None:
    assert normalize("您好\u3000请讲\n谢谢") == "您好 请讲 谢谢"


def test_it_applies_nfkc_compatibility_forms() -> None:
    assert normalize("①号") == "1号"


def test_to_simplified_leaves_ascii_alone() -> None:
    assert to_simplified("hello 10086") == "hello 10086"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=50))
def test_normalize_preserves_length_of_plain_cjk(text: str) -> None:
    # Offsets into normalised text must line up with the original for evidence.
    assert len(normalize(text)) == len(text)


def test_a_lone_surrogate_does_not_crash_the_converter():
    from kefu.lib.textnorm import normalize, to_simplified

    assert to_simplified("\ud800號碼") == "?号码"
    assert normalize("\udfff話費") == "?话费"
