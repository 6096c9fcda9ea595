import logging

from kefu.lib.logmask import MaskPersonalNumbers
from kefu.lib.masking import mask_address, mask_numbers_in


def test_access_log_lines_carry_no_full_phone_or_id_number():
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /customers/?q=138-1234-5678&id=11010119800101123X HTTP/1.1", "200", "512"), None,
    )
    MaskPersonalNumbers().filter(record)
    line = record.getMessage()
    assert "1234-5678" not in line and "12345678" not in line and "19800101" not in line
    assert "138****5678" in line and "110101********123X" in line and '" 200 512' in line


def test_url_encoded_and_plain_numbers_are_masked_but_complaint_numbers_stay():
    assert mask_numbers_in("/contacts/lookup/?phone=138%201234%205678") == "/contacts/lookup/?phone=138****5678"
    assert mask_numbers_in("/search/?q=ts20261122000001") == "/search/?q=ts20261122000001"
    assert mask_numbers_in("转 0571-8888-1234") == "转 0571****1234"


def test_the_settings_attach_the_mask_to_every_handler():
    from django.conf import settings

    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_pii" in handler.get("filters", []), name


def test_an_address_keeps_its_district_only():
    assert mask_address("浙江省杭州市西湖区文三路90号") == "浙江省杭州市西湖区****"
    assert mask_address("北京市朝阳区望京西园三区212号楼") == "北京市朝阳区****"
    assert mask_address("文三路90号") == "****"
    assert mask_address("") == ""


def test_stored_numbers_in_a_list_are_masked_one_by_one():
    line = "王芳 13955556666 18600001234"
    assert mask_numbers_in(line, stored=True) == "王芳 139****6666 186****1234"
    assert mask_numbers_in(line, stored=True, keep=frozenset({"18600001234"})) == "王芳 139****6666 18600001234"


def test_status_sizes_addresses_and_dates_in_log_lines_stay_readable():
    for line in ('"GET /login/ HTTP/1.1" 200 4004', "127.0.0.1 2026-11-29", "302 0"):
        assert mask_numbers_in(line) == line


def test_encoded_and_prefixed_spellings_are_masked_too():
    def logged(message: str) -> str:
        record = logging.LogRecord("django.server", logging.INFO, __file__, 1, message, (), None)
        MaskPersonalNumbers().filter(record)
        return record.getMessage()

    for spelling in ("q=%2B8613812345678", "%2B86%20138%201234%205678", "q=%E7%94%B5%E8%AF%9D13812345678",
                     "138.1234.5678", "138%2D1234%2D5678", "0086-138-1234-5678"):
        line = logged(f'"GET /search/?{spelling} HTTP/1.1" 200 512')
        assert "1234" not in line.replace("5678", ""), (spelling, line)
        assert "5678" in line and '" 200 512' in line


def test_masking_in_place_keeps_length_and_separators() -> None:
    from kefu.lib.masking import mask_numbers_in_place

    text = "号码138 1234 5678，身份证33010619900101123X，工单ts20261122000001，座机0571-8888 1234。"
    masked = mask_numbers_in_place(text)
    assert len(masked) == len(text)
    assert "138 **** 5678" in masked and "330106********123X" in masked
    assert "ts20261122000001" in masked  # part of a word: not a personal number
    assert "8888" not in masked
