"""The served API over a saved model: answers equal to predict, and a clear 4xx for every
bad request, after which the server keeps serving."""
import codecs
import json

import numpy as np
import pytest

from .conftest import small_rows

httpx = pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from brainlab.text import TextClassifier

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRAINLAB_CACHE", str(tmp_path_factory.mktemp("cache")))
        rows = small_rows()
        directory = tmp_path_factory.mktemp("served") / "model"
        TextClassifier(strategy="features", seed=0).fit(
            [r["text"] for r in rows], [r["label"] for r in rows]).save(directory)
        yield directory


@pytest.fixture(scope="module")
def client(saved_model):
    from brainlab.text.serve import create_app

    with TestClient(create_app(saved_model, max_texts=8, max_body_bytes=4096)) as client:
        yield client


def test_predict_gives_what_the_saved_model_predicts(client, saved_model):
    from brainlab.text import TextClassifier

    texts = ["the goalkeeper saved a penalty", "bake the bread with garlic",
             "a new processor for laptops"]
    answer = client.post("/predict", json={"texts": texts})
    assert answer.status_code == 200
    body = answer.json()
    model = TextClassifier.load(saved_model)
    assert body["labels"] == model.predict(texts)
    assert body["classes"] == [str(c) for c in model.classes_]
    np.testing.assert_allclose(body["probabilities"], model.predict_proba(texts), atol=1e-5)
    assert np.allclose(np.sum(body["probabilities"], axis=1), 1, atol=1e-4)


def test_health_model_docs_and_page(client):
    assert client.get("/health").json()["status"] == "ok"
    facts = client.get("/model").json()
    assert facts["strategy"] == "features" and facts["classes"] == ["food", "sport", "tech"]
    assert facts["encoder"]["model"]
    schema = client.get("/openapi.json").json()
    assert "/predict" in schema["paths"] and "/predict/file" in schema["paths"]
    page = client.get("/")
    assert page.status_code == 200 and 'id="texts"' in page.text
    assert "openapi.json" in client.get("/docs").text
    script = client.get("/static/page.js").text
    assert "http://" not in script and "https://" not in script   # nothing from a CDN


@pytest.mark.parametrize("body, status, message", [
    (b'{"texts": ["unclosed', 400, "malformed JSON"),
    (b'{"texts": "one string"}', 422, "texts: expected a list of strings, got a string"),
    (b'{"texts": ["ok", 3]}', 422, "texts[1]: expected a string, got a number"),
    (b'{"texts": []}', 422, "texts: expected a non-empty list"),
    (b'{"words": ["a"]}', 422, "texts: missing"),
    (b'["a"]', 422, "expected a JSON object"),
    (b'{"texts": ["fine", "   "]}', 422, "texts[1]: expected a non-empty string"),
    (json.dumps({"texts": ["a"] * 9}).encode(), 413, "at most 8 per request"),
    (b'{"texts": ["' + b"x" * 5000 + b'"]}', 413, "over the limit of 4096 bytes"),
    (b'{"texts": ["caf\xe9"]}', 400, ""),
])
def test_bad_requests_get_a_4xx_that_says_what_was_expected(client, body, status, message):
    answer = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]
    assert client.post("/predict", json={"texts": ["still serving"]}).status_code == 200


def test_a_streamed_body_over_the_limit_is_refused_without_content_length(client):
    def chunks():
        yield b'{"texts": ["'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"]}'

    answer = client.post("/predict", content=chunks(),
                         headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert client.get("/health").status_code == 200


def test_files_come_back_labelled_row_for_row(client):
    answer = client.post("/predict/file?format=txt",
                         content="the striker scored\n\nfresh bread with garlic\n".encode())
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    lines = answer.text.splitlines()
    assert lines[0] == "text,label,p_food,p_sport,p_tech"
    assert [line.split(",")[1] for line in lines[1:]] == ["sport", "", "food"]
    csv_in = 'id,Text\n1,"the team won the final, again"\n2,a chip that uses less power\n'
    lines = client.post("/predict/file?format=csv", content=csv_in.encode()).text.splitlines()
    assert lines[0].startswith("id,Text,label,p_food")
    assert lines[1].startswith('1,"the team won the final, again",sport,')
    assert lines[2].split(",")[2] == "tech"


def test_chinese_texts_go_through_the_api_and_files_unchanged(client):
    answer = client.post("/predict", json={"texts": ["物流很快，质量不错", "这部电影太无聊了"]})
    assert answer.status_code == 200 and len(answer.json()["labels"]) == 2
    lines = client.post("/predict/file?format=txt",
                        content="物流很快，质量不错\n".encode()).content.decode().splitlines()
    assert lines[1].startswith("物流很快，质量不错,")


def test_a_gbk_file_is_named_as_such_and_read_in_its_encoding(client):
    gbk = "物流很快，质量不错\n这部电影太无聊了\n".encode("gbk")   # Excel on Chinese Windows
    answer = client.post("/predict/file?format=txt", content=gbk)
    assert answer.status_code == 422
    assert "reads as Chinese in GB18030" in answer.json()["error"]
    answer = client.post("/predict/file?format=txt&encoding=GBK", content=gbk)
    assert answer.headers["content-type"] == "text/csv; charset=gbk"   # back as it came
    lines = answer.content.decode("gbk").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["物流很快，质量不错", "这部电影太无聊了"]
    # Excel's "CSV UTF-8" starts with a byte-order mark, and the labelled copy keeps it
    marked = client.post("/predict/file?format=csv", content="text\n物流很快\n".encode("utf-8-sig"))
    assert marked.headers["content-type"] == "text/csv; charset=utf-8"
    assert marked.content.startswith(codecs.BOM_UTF8)
    assert marked.content.decode("utf-8-sig").startswith("text,label,")
    plain = client.post("/predict/file?format=csv", content="text\n物流很快\n".encode())
    assert plain.content.startswith(b"text,label,")
    answer = client.post("/predict/file?format=txt&encoding=utf-9", content=gbk)
    assert answer.status_code == 422 and "encoding: unknown 'utf-9'" in answer.json()["error"]


@pytest.mark.parametrize("query, content, message", [
    ("format=csv", b"id,body\n1,x\n", "expected a 'text' column"),
    ("format=txt", b"ok\n\xff\xfe broken", "expected UTF-8 text; byte 3"),
    ("format=xlsx", b"a", "expected 'csv' or 'txt'"),
])
def test_bad_files_are_refused_with_what_was_expected(client, query, content, message):
    answer = client.post(f"/predict/file?{query}", content=content)
    assert answer.status_code == 422
    assert message in answer.json()["error"]


def test_a_model_directory_that_does_not_load_is_refused(tmp_path):
    from brainlab.text.serve import create_app

    with pytest.raises(ValueError, match="not a saved brainlab text model"):
        create_app(tmp_path)


def test_an_upload_whose_encoding_cannot_hold_a_class_name_is_refused():
    from brainlab.text.serve.uploads import read_upload

    upload = read_upload("text\ncafé\n".encode("latin-1"), "csv", "latin-1")
    assert upload.texts == ["café"]
    with pytest.raises(ValueError, match="'好评' cannot be written in iso8859-1"):
        upload.write({0: ("好评", [1.0])}, ["好评"])
