"""Resident ID validation, encryption at rest, blind index and masking."""
import random

import pytest

from app.security.pii import (blind_index, decrypt, encrypt, mask_id, mask_phone, normalize_phone,
                              parse_id_number)
from app.validation import Invalid
from fixtures.idnumbers import make_id_number


def _with_check(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


def test_generated_ids_are_valid_and_parse(app):
    rng = random.Random(1)
    for _ in range(50):
        info = parse_id_number(make_id_number(rng))
        assert info.gender in ("男", "女")
    female = parse_id_number(make_id_number(rng, male=False))
    assert female.gender == "女"


@pytest.mark.parametrize("raw, message", [
    ("", "请输入"), ("11010519491231002", "18 位"), ("11010519491231002A", "格式不正确"),
    ("110105194912310021", "校验位"), (_with_check("11010519491331002"), "出生日期或地区代码"),
])
def test_invalid_ids_have_chinese_reasons(app, raw, message):
    with pytest.raises(Invalid) as caught:
        parse_id_number(raw)
    assert message in str(caught.value)


def test_encryption_round_trip_and_blind_index(app):
    token = encrypt("11010519491231002X")
    assert "110105" not in token and decrypt(token) == "11010519491231002X"
    assert encrypt("11010519491231002X") != token  # randomized
    assert blind_index("11010519491231002X") == blind_index("11010519491231002X")
    assert blind_index("11010519491231002X") != blind_index("110105194912310029")


def test_masks():
    assert mask_id("65300119900101123X") == "6530**********123X"
    assert mask_phone("13812345678") == "138****5678"


def test_phone_normalization(app):
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    assert normalize_phone("") is None
    with pytest.raises(Invalid):
        normalize_phone("12345")
