"""The satisfaction predictor in the app: trained from labelled conversations as a job, versioned,
recorded on each prediction, shown apart from the compliance score, and used by sampling."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.urls import reverse

from kefu.jobs import services as jobs
from kefu.jobs.models import Job
from kefu.learning.models import LearnedModel
from kefu.learning.selectors import active_model
from kefu.lib.errors import NotAllowed
from kefu.qa.tests.rated import conversations
from kefu.quality import learning, reviews, services
from kefu.quality.models import Conversation, Prediction, Review, SamplingPolicy

pytestmark = pytest.mark.django_db


def _labelled(n: int = 60, seed: int = 0) -> list[tuple[int, dict]]:
    """Chats rated by people (STC-3 scale): a pleased customer at the end rates high."""
    rng = random.Random(seed)
    items = []
    for i, conv in enumerate(conversations(n, seed=seed)):
        rating = (1.2 if conv["meta"]["pleased"] else -1.2) + rng.uniform(-0.5, 0.5)
        items.append((i + 1, {"id": f"L{seed}-{i}", "channel": "chat", "turns": conv["turns"],
                              "labels": {"quality": {"S": {"mean": round(rating, 2)}}}}))
    return items


def _no_progress(done: int, total: int) -> None:
    pass


def test_imported_ratings_are_put_on_one_0_to_100_scale():
    assert learning.satisfaction_label({"quality": {"S": {"mean": 2.0}}}) == 100.0
    assert learning.satisfaction_label({"quality": {"S": -2}}) == 0.0
    assert learning.satisfaction_label({"satisfaction": 80}) == 80.0
    assert learning.satisfaction_label({"quality": {"S": "high"}}) is None
    assert learning.satisfaction_label({"satisfaction": 300}) is None


def test_training_stores_a_new_version_with_its_agreement_and_predicts_every_conversation(cast):
    services.conversations_import(actor=cast["qa"], items=_labelled())
    stored = learning.train_and_store(actor=cast["manager"], progress=_no_progress)
    assert isinstance(stored, LearnedModel)
    assert stored.version == 1 and stored.active and stored.n_samples == 60
    assert stored.metrics["spearman"] > 0.5 and len(stored.metrics["folds"]) == 5
    assert stored.metrics["sources"] == {"imported": 60, "reviewed": 0}
    assert Prediction.objects.count() == 60
    assert set(Prediction.objects.values_list("model_version", flat=True)) == {1}
    pleased = [p.value for p in Prediction.objects.select_related("conversation")
               if "谢谢" in p.conversation.turns[-1]["text"] or "满意" in p.conversation.turns[-1]["text"]]
    others = [p.value for p in Prediction.objects.exclude(value__in=pleased)]
    assert sum(pleased) / len(pleased) > sum(others) / len(others) + 20
    again = learning.train_and_store(actor=None)
    assert isinstance(again, LearnedModel) and again.version == 2
    assert active_model(learning.KIND) == again


def test_a_new_import_is_predicted_with_the_active_version(cast):
    services.conversations_import(actor=cast["qa"], items=_labelled())
    learning.train_and_store(actor=None)
    services.conversations_import(actor=cast["qa"], items=_labelled(5, seed=9))
    fresh = Prediction.objects.filter(conversation__source_id__startswith="L9-")
    assert fresh.count() == 5 and {p.model_version for p in fresh} == {1}


def test_too_few_labels_train_nothing_and_say_why(cast):
    services.conversations_import(actor=cast["qa"], items=_labelled(10))
    result = learning.train_and_store(actor=None)
    assert isinstance(result, str) and "20" in result
    assert not LearnedModel.objects.exists()


def test_only_the_qa_lead_retrains(cast, client):
    with pytest.raises(NotAllowed):
        learning.train_and_store(actor=cast["qa"])
    client.force_login(cast["qa"])
    assert client.post(reverse("quality:start_job", args=["train"])).status_code == 403
    assert client.get(reverse("quality:predictor")).status_code == 403


def test_the_retrain_button_runs_a_job_and_the_pages_show_the_prediction_apart(cast, client):
    services.conversations_import(actor=cast["qa"], items=_labelled())
    client.force_login(cast["manager"])
    response = client.post(reverse("quality:start_job", args=["train"]))
    job = Job.objects.get(kind="quality-train-satisfaction")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert "第 1 版" in job.details
    page = client.get(reverse("quality:predictor")).content.decode()
    assert 'data-model-version="1"' in page and "使用中" in page
    conv = Conversation.objects.order_by("pk").first()
    detail = client.get(conv.get_absolute_url()).content.decode()
    assert "预测满意度" in detail and "data-predictor-version" in detail and "模型 v1" in detail
    listing = client.get(reverse("quality:index")).content.decode()
    assert "预测满意度" in listing and "合规得分" in listing and "data-predictor-note" in listing
    assert reverse("quality:rulebooks") in listing and reverse("quality:predictor") in listing  # the lead's way in


def test_low_predicted_satisfaction_sends_a_conversation_to_review(cast):
    services.conversations_import(actor=cast["qa"], items=_labelled())
    learning.train_and_store(actor=None)
    SamplingPolicy.objects.create(kind=SamplingPolicy.Kind.LOW_SATISFACTION, value=Decimal(40))
    assert reviews.sample() > 0
    sampled = Review.objects.filter(reason=SamplingPolicy.Kind.LOW_SATISFACTION).select_related("conversation")
    assert sampled.exists()
    assert all(r.conversation.prediction.value < 40 for r in sampled)
    assert not Review.objects.filter(conversation__prediction__value__gte=40).exists()


def test_switching_back_to_an_older_version_predicts_everything_again_with_it(cast, client):
    services.conversations_import(actor=cast["qa"], items=_labelled())
    learning.train_and_store(actor=None)
    learning.train_and_store(actor=None)
    assert set(Prediction.objects.values_list("model_version", flat=True)) == {2}
    client.force_login(cast["manager"])
    response = client.post(reverse("quality:predictor_activate", args=[1]))
    job = Job.objects.get(kind="quality-predict")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    jobs.job_run(job.pk)
    assert active_model(learning.KIND).version == 1
    assert set(Prediction.objects.values_list("model_version", flat=True)) == {1}
    assert Prediction.objects.count() == 60
    assert learning.training_counts() == {"imported": 60, "reviewed": 0}


def test_the_qa_lead_switches_on_low_predicted_satisfaction_sampling_on_the_queue_page(cast, client):
    client.force_login(cast["manager"])
    page = client.get(reverse("quality:reviews")).content.decode()
    assert 'data-policy="low_satisfaction"' in page and "预测满意度低于" in page
    client.post(reverse("quality:policy"), {"kind": "low_satisfaction", "value": "35", "active": "on"})
    saved = SamplingPolicy.objects.get(kind="low_satisfaction")
    assert saved.active and saved.value == Decimal("35.0")
    assert SamplingPolicy.objects.filter(kind="critical", active=True).exists()  # the defaults stay on
    bad = client.post(reverse("quality:policy"), {"kind": "low_satisfaction", "value": "500", "active": "on"},
                      follow=True)
    assert "0 到 100" in bad.content.decode()
    assert SamplingPolicy.objects.get(kind="low_satisfaction").value == Decimal("35.0")
    shown = bad.content.decode()  # the queue page lists what sampling now applies
    row = shown[shown.index('data-policy="low_satisfaction"'):]
    row = row[:row.index("</tr>")]
    assert 'value="35.0"' in row and "checked" in row
    unused = shown[shown.index('data-policy="complaint"'):]
    assert "checked" not in unused[:unused.index("</tr>")]  # a kind never switched on stays off
    client.force_login(cast["qa"])
    assert client.post(reverse("quality:policy"), {"kind": "critical", "value": "0"}).status_code == 403
    assert 'data-policies' not in client.get(reverse("quality:reviews")).content.decode()
