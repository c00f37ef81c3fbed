"""Every fact keeps its footnote, through the real app on the real index (issue 14)."""

from __future__ import annotations

from tests.conftest import DOC_KZ

README_QUESTION = ("Um wie viel stieg 2020 der Handel mit landwirtschaftlichen Erzeugnissen zwischen Belarus und "
                   "Kasachstan?")


def test_readme_example_answer_cites_footnote_77(client):
    # the quotation '"im Jahr 2020 der Umsatz … 307,2 Mio. $ erreicht hat. Der Export …"77' spans two sentences
    body = client.post("/chat", json={"message": README_QUESTION}).json()
    assert "(ohne Fußnote" not in body["answer"]
    cited = [(c["doc_id"], c["footnote"]) for c in body["citations"]]
    assert (DOC_KZ, 77) in cited
    assert f"[{cited.index((DOC_KZ, 77)) + 1}]" in body["answer"]
    assert "307,2" in body["answer"] or "1,2fache" in body["answer"]


def test_passage_citations_carry_spans_that_point_at_the_supported_text(client):
    passages = client.get(f"/documents/{DOC_KZ}/passages").json()
    (passage,) = [p for p in passages if any(c["footnote"] == 77 for c in p["citations"])]
    (citation,) = [c for c in passage["citations"] if c["footnote"] == 77]
    highlighted = " ".join(passage["text"][s:e] for s, e in citation["spans"])
    assert "im Jahr 2020 der Umsatz des Handels mit landwirtschaftlichen Erzeugnissen" in highlighted
    assert highlighted.endswith('(mehr als 20% Wachstum)".')
    for p in passages:
        for c in p["citations"]:
            assert c["spans"] and all(0 <= s < e <= len(p["text"]) for s, e in c["spans"])


def test_search_results_carry_spans_in_order_of_appearance(client):
    body = client.post("/search", json={"query": README_QUESTION, "k": 5}).json()
    for result in body["results"]:
        starts = [c["spans"][0][0] for c in result["citations"]]
        assert starts == sorted(starts)
