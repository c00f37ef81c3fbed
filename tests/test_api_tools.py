"""The journalist's tools through the real app on the real index: the reading view, exports, filters, API docs."""

from __future__ import annotations

import json

import rispy

from api.schemas import ChatRequest, SearchRequest
from tests.conftest import DOC_CN, DOC_KZ

QUESTION = "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?"


def chat(client, **body):
    response = client.post("/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()


# -- reading view --------------------------------------------------------------------------------------------


def test_reader_is_the_whole_document_in_reading_order_with_all_footnotes(client):
    body = client.get(f"/documents/{DOC_KZ}/reader").json()
    passages = client.get(f"/documents/{DOC_KZ}/passages").json()
    footnotes = client.get(f"/documents/{DOC_KZ}/footnotes").json()
    assert body["title"] == next(d["title"] for d in client.get("/documents").json() if d["doc_id"] == DOC_KZ)
    assert body["passages"] == passages and body["footnotes"] == footnotes
    assert [f["footnote"] for f in body["footnotes"]] == list(range(1, len(footnotes) + 1))
    ids = [p["passage_id"] for p in body["passages"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # anchors: unique, in order
    assert client.get("/documents/nope/reader").status_code == 404


def test_reader_page_is_served_for_a_document(client):
    page = client.get(f"/read/{DOC_CN}")
    assert page.status_code == 200 and "/static/reader.js" in page.text


# -- exports -------------------------------------------------------------------------------------------------


def test_an_answer_exports_as_markdown_ris_and_csl_json_with_its_cited_sources(client):
    answer = chat(client, message=QUESTION)
    base = f"/sessions/{answer['session_id']}/turns/1/export"
    cited = answer["citations"]
    assert cited and all(c["url"] for c in cited)

    markdown = client.get(base, params={"format": "markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith(answer["answer"].strip() + "\n")
    for i, c in enumerate(cited, start=1):
        line = next(line for line in text.splitlines() if line.startswith(f"{i}. "))
        assert f"<{c['url']}>" in line and f"Fußnote {c['footnote']}" in line
        assert line.count("belembassy") <= 1  # the repaired URL only, not also the spaced one from the text

    ris = client.get(base, params={"format": "ris"})
    assert "attachment" in ris.headers["content-disposition"]
    records = rispy.loads(ris.text)
    assert [r["urls"] for r in records] == [[c["url"]] for c in cited]
    assert all(r["type_of_reference"] == "ELEC" and r["title"] and "http" not in r["title"] for r in records)
    assert [r["year"] for r in records] == [str(c["year"]) for c in cited]

    csl = json.loads(client.get(base, params={"format": "csl-json"}).text)
    assert [item["URL"] for item in csl] == [c["url"] for c in cited]
    assert all(item["type"] == "webpage" and item["title"] and item["issued"]["date-parts"][0][0] for item in csl)
    assert len({item["id"] for item in csl}) == len(csl)


def test_export_errors_name_the_problem(client):
    answer = chat(client, message=QUESTION)
    missing = client.get(f"/sessions/{answer['session_id']}/turns/2/export")
    assert missing.status_code == 422 and "1 answer" in missing.json()["detail"]
    assert client.get(f"/sessions/{'0' * 32}/turns/1/export").status_code == 404
    assert client.get(f"/sessions/{answer['session_id']}/turns/1/export", params={"format": "pdf"}).status_code == 422


# -- filters -------------------------------------------------------------------------------------------------


def test_year_range_keeps_only_passages_with_a_source_in_range(client):
    body = client.post("/search", json={"query": "Handel zwischen Belarus und Kasachstan", "k": 10,
                                        "year_from": 2012, "year_to": 2014}).json()
    assert len(body["results"]) == 10
    for r in body["results"]:
        assert any(s["year"] is not None and 2012 <= s["year"] <= 2014 for s in r["citations"]), r["passage_id"]
    unfiltered = client.post("/search", json={"query": "Handel zwischen Belarus und Kasachstan", "k": 10}).json()
    assert [r["passage_id"] for r in unfiltered["results"]] != [r["passage_id"] for r in body["results"]]


def test_chat_takes_document_and_year_filters(client):
    china = chat(client, message=QUESTION, doc_id=DOC_CN)
    assert china["passages"] and {p["doc_id"] for p in china["passages"]} == {DOC_CN}
    dated = chat(client, message="Welche Industrieparks gibt es?", year_from=2021, year_to=2021)
    assert all(any(s["year"] == 2021 for s in p["citations"]) for p in dated["passages"])
    assert all(c["year"] == 2021 for c in dated["citations"])


def test_an_inverted_year_range_is_refused_with_the_fix(client):
    response = client.post("/search", json={"query": "Handel", "year_from": 2015, "year_to": 2010})
    assert response.status_code == 422 and "swap them" in response.text


# -- url caution ---------------------------------------------------------------------------------------------


def test_footnotes_with_a_machine_translated_host_carry_a_caution(client):
    notes = client.get(f"/documents/{DOC_KZ}/footnotes").json() + client.get(f"/documents/{DOC_CN}/footnotes").json()
    warned = {(n["doc_id"], n["footnote"]) for n in notes if n["url_warning"]}
    assert (DOC_KZ, 6) in warned  # www.Kasachstan.belembassy.org
    six = next(n for n in notes if (n["doc_id"], n["footnote"]) == (DOC_KZ, 6))
    assert "Kasachstan" in six["url_warning"]
    # Ordinary hosts (president.gov.by, government.by, belta.by ...) are not flagged.
    assert len(warned) <= 5 and len([n for n in notes if n["url"]]) > 150


# -- API docs ------------------------------------------------------------------------------------------------


def test_docs_and_redoc_use_only_local_assets(client):
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        page = client.get(path)
        assert page.status_code == 200
        assert "cdn" not in page.text.lower() and "https://" not in page.text
        src = f"/static-docs/{asset}"
        assert src in page.text
        js = client.get(src)
        assert js.status_code == 200 and len(js.content) > 500_000
    assert client.get("/static/docs-init.js").status_code == 200


def test_every_operation_has_a_description(client):
    spec = client.get("/openapi.json").json()
    operations = [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 12
    assert [(m, p) for m, p, op in operations if len(op.get("description", "")) < 20] == []


def test_the_request_examples_work_as_they_stand(client):
    search = SearchRequest.model_json_schema()["examples"][0]
    body = client.post("/search", json=search).json()
    assert body["answerable"] and {r["doc_id"] for r in body["results"]} == {search["doc_id"]}
    example = ChatRequest.model_json_schema()["examples"][0]
    assert "session_id" not in example  # a made-up session id would be a 404
    assert client.post("/chat", json=example).status_code == 200
