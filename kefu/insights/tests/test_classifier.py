"""The complaint classifier: learns, stores without pickle, suggests on the complaint page, and is measured."""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kefu.complaints.models import Complaint
from kefu.insights import classifier, learn
from kefu.learning.selectors import active_model, model_files

SHARED = Path(__file__).resolve().parents[3].parent / "shared"

BILLING = ["本月话费多扣了三十元，要求退还", "账单上有一笔不认识的扣费，费用不对", "套餐费用重复收取，多收了钱",
           "话费余额不对，充值后扣费错误", "流量费计费错误，要求核实退费"]
NETWORK = ["家里手机信号很差，打电话经常断线", "小区没有4G信号，上网很慢", "基站故障导致无法通话，信号中断",
           "宽带经常掉线，网络不稳定", "地下室没有信号，网络覆盖差"]


def _texts() -> tuple[list[str], list[str]]:
    texts = BILLING * 3 + NETWORK * 3
    return texts, ["费用"] * 15 + ["网络"] * 15


def test_it_learns_to_tell_billing_from_network_complaints() -> None:
    texts, labels = _texts()
    model = learn.fit(texts, {"label": labels})
    assert model.predict(["话费扣多了，要求退钱", "手机没有信号，电话打不通"], "label") == ["费用", "网络"]


def test_a_stored_model_reads_back_without_pickle_and_predicts_the_same() -> None:
    texts, labels = _texts()
    model = learn.fit(texts, {"label": labels, "other": ["a", "b"] * 15}, use_words=True)
    files = model.to_files()
    assert set(files) == {"model.json", "vocabulary.json", "arrays.npz"}
    with np.load(io.BytesIO(files["arrays.npz"]), allow_pickle=False) as npz:
        assert all(npz[name].dtype == np.float64 for name in npz.files)
    again = learn.from_files(files)
    probe = ["话費扣多了", "信號很差"]  # Traditional characters are read as Simplified
    assert again.predict(probe, "label") == model.predict(probe, "label") == ["费用", "网络"]
    assert again.suggest("信号很差")["label"].confidence > 0.5


def test_an_edited_model_is_refused() -> None:
    texts, labels = _texts()
    files = learn.fit(texts, {"label": labels}).to_files()
    meta = json.loads(files["model.json"])
    meta["targets"]["label"] = meta["targets"]["label"][::-1]  # swapped classes: every prediction would be wrong
    files["model.json"] = json.dumps(meta).encode()
    with pytest.raises(learn.ModelError):
        learn.from_files(files)


def _format_1_files() -> dict[str, bytes]:
    """What Kefu stored before format 2 (char 1–3-grams, no temperature), laid out as it was then."""
    vocab = json.dumps({"char": ["话", "费", "信", "号"], "word": []}, ensure_ascii=False).encode()
    arrays = {"char_idf": np.ones(4), "word_idf": np.zeros(0), "coef__label": np.array([[-2.0, -2.0, 2.0, 2.0]]),
              "intercept__label": np.zeros(1)}
    targets = {"label": ["费用", "网络"]}
    digest = hashlib.sha256(vocab)
    digest.update(json.dumps(targets, ensure_ascii=False, sort_keys=True).encode())
    for name in sorted(arrays):
        digest.update(name.encode() + np.ascontiguousarray(arrays[name], dtype=np.float64).tobytes())
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    meta = {"format": "kefu-complaint-classifier/1", "char_ngrams": [1, 3], "word_ngrams": [1, 2],
            "targets": targets, "trained": {}, "version": digest.hexdigest()[:16]}
    return {"model.json": json.dumps(meta).encode(), "vocabulary.json": vocab, "arrays.npz": buffer.getvalue()}


def test_a_model_stored_in_format_1_still_predicts() -> None:
    model = learn.from_files(_format_1_files())
    assert model.predict(["话费多扣了", "没有信号"], "label") == ["费用", "网络"]
    assert model.targets["label"].temperature == 1.0


def test_model_files_missing_a_part_are_refused_with_a_reason() -> None:
    texts, labels = _texts()
    files = learn.fit(texts, {"label": labels}).to_files()
    with np.load(io.BytesIO(files["arrays.npz"]), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if not name.startswith("idf__head_word")}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    with pytest.raises(learn.ModelError):
        learn.from_files({**files, "arrays.npz": buffer.getvalue()})
    meta = json.loads(files["model.json"])
    meta["blocks"][0]["ngrams"] = [3, 1]
    with pytest.raises(learn.ModelError):
        learn.from_files({**files, "model.json": json.dumps(meta).encode()})


def test_the_opening_of_a_complaint_is_read_on_its_own() -> None:
    texts, labels = _texts()
    model = learn.fit(texts, {"label": labels})
    assert [b.name for b in model.blocks] == ["char", "word", "head_char", "head_word"]
    filler = "，" + "客户来电表示情况如上，烦请尽快核实处理，谢谢。" * 6  # pushes the tail past the opening
    x = model.features(["话费扣多了" + filler])
    head_columns = sum(len(model.vocabularies[b.name]) for b in model.blocks[:2])
    assert x[:, head_columns:].nnz > 0
    assert model.features([filler + "话费扣多了"])[:, head_columns:].nnz < x[:, head_columns:].nnz


def _shared_train() -> tuple[list[str], list[str]]:
    train = SHARED / "train" / "complaints.jsonl"
    if not train.exists():
        pytest.skip(f"shared complaint data absent ({train.parent.parent})")
    with train.open(encoding="utf-8") as lines:
        return learn.read_jsonl(lines)


def test_on_held_out_training_work_orders_the_confidence_matches_how_often_it_is_right() -> None:
    texts, labels = _shared_train()
    rows = list(range(len(texts)))
    random.Random(13).shuffle(rows)
    fit_rows, held = rows[:600], rows[600:]
    model = learn.fit([texts[i] for i in fit_rows], {"label": [labels[i] for i in fit_rows]})
    probabilities = model.probabilities("label", model.features([texts[i] for i in held]))
    classes = model.targets["label"].classes
    right = [classes[int(p.argmax())] == labels[i] for p, i in zip(probabilities, held, strict=True)]
    accuracy, confidence = float(np.mean(right)), float(probabilities.max(axis=1).mean())
    assert accuracy > 0.8
    assert abs(confidence - accuracy) < 0.06  # uncalibrated the model said 0.73 where it was right 0.87
    assert model.targets["label"].temperature < 1.0


def test_a_target_with_one_class_is_not_learned() -> None:
    texts, labels = _texts()
    model = learn.fit(texts, {"label": labels, "same": ["x"] * len(texts)})
    assert set(model.targets) == {"label"}


def _classified(cast, n: int = 24) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for i in range(n):
        billing = i % 2 == 0
        rows.append(Complaint(
            complainant_name="客户", channel="hotline", created_by=cast["agent"],
            subject="话费" if billing else "信号", content=(BILLING if billing else NETWORK)[i % 5],
            cause_category="price" if billing else "product", cause="billing_error" if billing else "network",
            hotspot="fee_error" if billing else "outage",
        ))
    Complaint.objects.bulk_create(rows)


@pytest.mark.django_db
def test_training_from_the_database_stores_an_active_version(cast) -> None:  # type: ignore[no-untyped-def]
    _classified(cast)
    out = io.StringIO()
    call_command("complaints", "train-classifier", "--from-db", stdout=out)
    model = active_model(classifier.KIND)
    assert model is not None and model.version == 1 and model.n_samples == 24
    assert "v1 (active)" in out.getvalue()
    assert learn.from_files(model_files(model)).targets["cause"].classes == ["billing_error", "network"]
    suggestions = {s.field: s for s in classifier.suggest("这个月话费扣错了，多收了")}
    assert suggestions["cause"].label == "计费差错" or suggestions["cause"].value == "billing_error"
    assert suggestions["cause_category"].value == "price"


@pytest.mark.django_db
def test_training_with_too_few_classified_complaints_fails_with_a_reason(cast) -> None:  # type: ignore[no-untyped-def]
    _classified(cast, n=4)
    with pytest.raises(CommandError, match="20"):
        call_command("complaints", "train-classifier", "--from-db")
    assert active_model(classifier.KIND) is None
    assert "20" in classifier.retrain_job()  # the scheduled job skips quietly


@pytest.mark.django_db
def test_the_complaint_page_shows_the_suggestion_with_its_confidence(client, cast) -> None:  # type: ignore[no-untyped-def]
    _classified(cast)
    classifier.train_from_db()
    complaint = Complaint.objects.create(complainant_name="李女士", channel="hotline", created_by=cast["agent"],
                                         subject="话费", content="本月话费多扣了，要求退还")
    client.force_login(cast["supervisor"])
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "data-suggestion" in page and "置信度" in page
    assert "计费" in page  # the suggested cause, in words


@pytest.mark.parametrize("content,reason", [
    ("not json\n", "line 1: not JSON"),
    ('{"text": "a"}\n', "needs a text field"),
    ('{"text": "a", "label": "x"}\n', "at least two classes"),
])
def test_eval_with_a_bad_file_exits_with_a_one_line_reason(tmp_path: Path, content: str, reason: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=reason):
        call_command("complaints", "eval-classifier", "--train", str(bad), "--test", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("complaints", "eval-classifier", "--train", str(tmp_path / "none"), "--test", str(bad))


def test_cross_validation_on_the_shared_training_work_orders_reaches_its_measured_figure() -> None:
    texts, labels = _shared_train()
    folds = learn.cross_validate(texts, labels, folds=5)
    assert len(folds) == 5
    assert float(np.mean(folds)) >= 0.83  # measured 0.847 with these folds (3×5 folds: 0.858 ± 0.030)


def test_eval_on_the_shared_work_orders_prints_the_anchor_and_macro_f1_last() -> None:
    train, test = SHARED / "train" / "complaints.jsonl", SHARED / "eval" / "complaints.jsonl"
    if not train.exists() or not test.exists():
        pytest.skip(f"shared complaint data absent ({train.parent.parent})")
    out = io.StringIO()
    call_command("complaints", "eval-classifier", "--train", str(train), "--test", str(test), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("anchor")
    f1 = float(lines[-1].removeprefix("macro-F1: "))
    assert f1 >= 0.84  # measured 0.855; the anchor 0.860, the previous model 0.852


def test_eval_with_cv_prints_the_cross_validated_figure_before_macro_f1(tmp_path: Path) -> None:
    texts, labels = _texts()
    data = tmp_path / "toy.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n"
                            for t, y in zip(texts, labels, strict=True)), encoding="utf-8")
    out = io.StringIO()
    call_command("complaints", "eval-classifier", "--train", str(data), "--test", str(data), "--cv", stdout=out)
    lines = out.getvalue().strip().splitlines()
    cv_line = next(line for line in lines if line.startswith("3×5-fold CV on the training file: "))
    mean, _, std = cv_line.removeprefix("3×5-fold CV on the training file: ").partition(" ± ")
    assert 0.0 <= float(std) <= float(mean) <= 1.0
    assert lines[-1] == "macro-F1: 1.0000"
