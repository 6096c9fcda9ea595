import pytest
from django.urls import reverse

from kefu.complaints import services as complaint_services
from kefu.customers import services as customer_services
from kefu.customers.models import Contact
from kefu.search import services
from kefu.search.models import Document

pytestmark = pytest.mark.django_db


def record(cast, **overrides):
    fields = dict(
        actor=cast["agent"],
        channel="hotline",
        complainant_name="张伟",
        complainant_phone="13812345678",
        subject="宽带经常断线",
        content="家里宽带这周断了三次，影响在家办公。",
        demands="尽快修好并减免本月月租",
    )
    fields.update(overrides)
    return complaint_services.complaint_record(**fields)


@pytest.fixture
def records(cast, django_capture_on_commit_callbacks):
    """A customer, two contacts and three complaints, written (and so indexed) by the services."""
    with django_capture_on_commit_callbacks(execute=True):
        wang = customer_services.customer_create(
            actor=cast["supervisor"], name="王芳", address="福州市鼓楼区幸福小区", phones=["13955556666"]
        )
        bill = customer_services.contact_log(
            actor=cast["agent"], customer=wang, phone="13955556666", channel="hotline", category="consult",
            summary="咨询话费", detail="客户询问本月话费为什么多了二十元",
        )
        tv = customer_services.contact_log(
            actor=cast["agent"], phone="059187654321", channel="counter", category="help",
            summary="机顶盒无信号", detail="电视没有信号，预约上门",
        )
        broadband = record(cast)
        fee = record(cast, complainant_name="李娜", complainant_phone="13700001111",
                     subject="话费多扣", content="套餐外话费被多扣五十元，要求退还。", demands="退费")
        other = record(cast, actor=cast["supervisor"], complainant_name="赵强", complainant_phone="13600002222",
                       subject="营业员态度差", content="营业厅员工态度恶劣，宽带办理拖延。")
    return {"wang": wang, "bill": bill, "tv": tv, "broadband": broadband, "fee": fee, "other": other}


def get(client, user, q, **params):
    client.force_login(user)
    return client.get(reverse("search"), {"q": q, **params})


def test_a_two_character_word_finds_every_record_containing_it(client, cast, records):
    page = get(client, cast["supervisor"], "话费").content.decode()
    assert records["fee"].number in page
    assert "咨询<mark>话费</mark>" in page
    assert records["broadband"].number not in page
    page = get(client, cast["supervisor"], "宽带").content.decode()
    assert records["broadband"].number in page and records["other"].number in page
    assert records["fee"].number not in page


def test_matches_are_highlighted(client, cast, records):
    page = get(client, cast["supervisor"], "话费").content.decode()
    assert "<mark>话费</mark>" in page


def test_a_one_character_query_finds_the_character_anywhere(client, cast, records):
    page = get(client, cast["supervisor"], "扣").content.decode()
    assert records["fee"].number in page and records["broadband"].number not in page
    # the last character of a run has no bigram of its own
    page = get(client, cast["supervisor"], "租").content.decode()
    assert records["broadband"].number in page


def test_a_long_query_finds_the_phrase_and_not_scattered_characters(client, cast, records):
    page = get(client, cast["supervisor"], "宽带经常断线").content.decode()
    assert records["broadband"].number in page and records["other"].number not in page


def test_several_words_must_all_occur(client, cast, records):
    page = get(client, cast["supervisor"], "宽带 态度").content.decode()
    assert records["other"].number in page and records["broadband"].number not in page


def test_a_traditional_query_finds_simplified_text(client, cast, records):
    page = get(client, cast["supervisor"], "寬帶").content.decode()
    assert records["broadband"].number in page


def test_full_width_input_is_normalised(client, cast, records):
    page = get(client, cast["supervisor"], "１３８１２３４").content.decode()
    assert records["broadband"].number in page


def test_part_of_a_phone_number_finds_customers_contacts_and_complaints(client, cast, records):
    page = get(client, cast["supervisor"], "5555").content.decode()
    assert "王芳" in page and "咨询话费" in page
    page = get(client, cast["supervisor"], "8765 4321").content.decode()
    assert "机顶盒无信号" in page
    # A role that may not reveal numbers finds them by what the mask shows (139****6666, 0591****4321).
    page = get(client, cast["agent"], "6666").content.decode()
    assert "王芳" in page and "咨询话费" in page
    assert "机顶盒无信号" in get(client, cast["agent"], "4321").content.decode()
    assert "王芳" not in get(client, cast["agent"], "5555").content.decode()


def test_phone_numbers_are_masked_in_results(client, cast, records):
    page = get(client, cast["supervisor"], "95555").content.decode()
    assert "王芳" in page and "咨询话费" in page
    assert "13955556666" not in page
    assert "139****6666" in page


def test_a_complaint_number_finds_the_complaint(client, cast, records):
    number = records["fee"].number
    page = get(client, cast["supervisor"], number).content.decode()
    assert "话费多扣" in page and records["broadband"].number not in page


def test_an_agent_sees_only_the_complaints_they_may_see(client, cast, records):
    page = get(client, cast["agent"], "宽带").content.decode()
    assert records["broadband"].number in page
    assert records["other"].number not in page  # recorded by the supervisor, not assigned to the agent


def test_an_outsider_cannot_search(client, cast, records):
    response = get(client, cast["outsider"], "宽带")
    assert response.status_code == 403


def test_qa_finds_every_complaint_and_contact(client, cast, records):
    page = get(client, cast["qa"], "宽带").content.decode()
    assert records["broadband"].number in page and records["other"].number in page


def test_anonymous_users_are_sent_to_login(client, records):
    response = client.get(reverse("search"), {"q": "宽带"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_index_follows_a_newly_recorded_complaint(client, cast, records, django_capture_on_commit_callbacks):
    assert 'class="search-hit"' not in get(client, cast["supervisor"], "光猫").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        new = record(cast, subject="光猫故障", content="光猫指示灯一直闪红灯")
    page = get(client, cast["supervisor"], "光猫").content.decode()
    assert new.number in page


def test_the_index_follows_a_contact_changed_and_deleted_in_the_admin(admin_client, cast, records):
    tv = records["tv"]
    url = reverse("admin:customers_contact_change", args=[tv.pk])
    form = {
        "occurred_at_0": "2026-11-20", "occurred_at_1": "10:00:00", "channel": "counter", "category": "help",
        "summary": "机顶盒无信号", "detail": "有线电视花屏", "agent": cast["agent"].pk, "created_at_0": "2026-11-20",
        "created_at_1": "10:00:00",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "花屏" in Document.objects.get(kind="contact", object_id=tv.pk).text
    admin_client.post(reverse("admin:customers_contact_delete", args=[tv.pk]), {"post": "yes"})
    assert not Contact.objects.filter(pk=tv.pk).exists()
    assert not Document.objects.filter(kind="contact", object_id=tv.pk).exists()


def test_one_kind_can_be_shown_alone(client, cast, records):
    page = get(client, cast["supervisor"], "话费", type="contact").content.decode()
    assert "咨询<mark>话费</mark>" in page and records["fee"].number not in page


def test_an_htmx_request_gets_only_the_results(client, cast, records):
    client.force_login(cast["supervisor"])
    response = client.get(reverse("search"), {"q": "话费"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="search-results"') and "<html" not in body


def test_an_empty_or_unmatched_query_explains_itself(client, cast, records):
    assert "话费" in get(client, cast["supervisor"], "").content.decode()  # the hint
    page = get(client, cast["supervisor"], "不存在的词").content.decode()
    assert 'class="search-hit"' not in page


def test_reindex_rebuilds_the_whole_index(client, cast, records):
    Document.objects.all().delete()
    counts = services.reindex(chunk_size=2)
    assert counts == {"customer": 1, "contact": 2, "complaint": 3}
    assert records["fee"].number in get(client, cast["supervisor"], "话费").content.decode()


def test_the_search_page_runs_a_bounded_number_of_queries(client, cast, records, django_assert_max_num_queries):
    client.force_login(cast["agent"])
    with django_assert_max_num_queries(14):
        client.get(reverse("search"), {"q": "宽带"})


def test_the_reindex_command_reports_what_it_indexed(records):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("search", "reindex", stdout=out)
    assert "complaint 3" in out.getvalue() and "contact 2" in out.getvalue()


def test_recent_and_older_matches_are_both_found(client, cast, records, monkeypatch):
    """On PostgreSQL the newest documents are walked first and older ones fetched by the GIN index."""
    from kefu.search import selectors

    monkeypatch.setattr(selectors, "MIN_PROBE", 1)
    monkeypatch.setattr(selectors, "RANK_WINDOW", 1)  # probe = sqrt(3 documents) = the newest one
    monkeypatch.setattr(selectors, "_probes", {})
    page = get(client, cast["supervisor"], "宽带").content.decode()
    assert records["broadband"].number in page and records["other"].number in page


def test_a_customers_new_phone_number_makes_the_customer_findable(
    client, cast, records, django_capture_on_commit_callbacks
):
    assert 'data-kind="customer"' not in get(client, cast["agent"], "18600001234").content.decode()
    wang = records["wang"]
    customer_services.customer_update(
        customer=wang, actor=cast["supervisor"], name=wang.name, tier=wang.tier, segment="", persona="",
        customer_since=None, address=wang.address, account_manager=None, note="", add_phones=["18600001234"],
    )
    page = get(client, cast["agent"], "18600001234").content.decode()
    assert 'data-kind="customer"' in page and "186****1234" in page
