"""The HTTP service through the real app, on the real index: search, chat, sessions, errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import DOC_CN, DOC_KZ


def ask(client, message, session_id=None, k=5):
    response = client.post("/chat", json={"message": message, "session_id": session_id, "k": k})
    assert response.status_code == 200, response.text
    return response.json()


def contains(passages, snippet, top=5):
    return any(snippet in p["text"] for p in passages[:top])


def test_health_reports_the_loaded_index(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["passages"] > 100 and body["documents"] == 2


def test_search_returns_ranked_passages_with_full_citations(client):
    body = client.post("/search", json={"query": "Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Astana?",
                                        "k": 3}).json()
    assert [r["rank"] for r in body["results"]] == [1, 2, 3]
    assert contains(body["results"], "Trade House MAZ - Kazakhstan LLP")
    for result in body["results"]:
        assert set(result) >= {"passage_id", "doc_id", "page", "text", "citations", "rank", "score"}
        for source in result["citations"]:
            assert set(source) >= {"doc_id", "footnote", "text", "url", "year", "status"}  # fields may be added


def test_search_citation_has_repaired_url(client):
    body = client.post("/search", json={"query": "Sitzung des Zwischenstaatlichen Rates der EurAsEC in Moskau Zollunion", "k": 5}).json()
    sources = [s for r in body["results"] for s in r["citations"]]
    assert {"footnote": 1, "url": "http://president.gov.by/press102182.html#doc", "year": 2010}.items() <= next(
        s for s in sources if s["footnote"] == 1 and s["doc_id"] == DOC_KZ).items()


def test_three_turn_german_conversation_with_elliptical_third_turn(client):
    first = ask(client, "Wie hoch war der Außenhandelsumsatz zwischen dem Gebiet Mogilew und Kasachstan in den ersten sieben Monaten 2022?")
    assert contains(first["passages"], "rund 40 Millionen Dollar")
    second = ask(client, "Welchen Rang nimmt Kasachstan damit unter den EAWU-Handelspartnern der Region ein?", first["session_id"])
    third = ask(client, "Und welcher Rohstoff macht den größten Teil der Einfuhren von dort aus?", first["session_id"])
    assert second["session_id"] == third["session_id"] == first["session_id"]
    # One readable question whose 'dort' is filled from the conversation, not the earlier questions glued.
    assert third["resolved_query"].startswith("Und welcher Rohstoff") and third["resolved_query"].count("?") == 1
    assert "Mogilew" in third["resolved_query"] or "Kasachstan" in third["resolved_query"]
    assert contains(third["passages"], "45 Prozent aller Einfuhren der Region auf Paraxylen", top=3)


def test_elliptical_year_follow_up(client):
    first = ask(client, "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?")
    follow = ask(client, "Und 2011?", first["session_id"])
    assert contains(follow["passages"], "auch 2011 fortsetzten", top=5)
    assert "2011" in follow["answer"] and "Handel" in follow["answer"]


def test_topic_switch_is_not_dragged_back(client):
    first = ask(client, "Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Astana?")
    switch = ask(client, "Mit welcher chinesischen Bildungseinrichtung schloss die Staatliche Technische Universität Brest "
                         "im Januar 2023 ein Abkommen?", first["session_id"])
    assert switch["resolved_query"].startswith("Mit welcher chinesischen")
    assert contains(switch["passages"], "Guangdong Construction Vocational Technical Institute", top=3)
    assert switch["passages"][0]["doc_id"] == DOC_CN


@pytest.mark.parametrize(
    ("question", "snippet"),
    [
        ("When did the Minsk Automobile Plant open its trading house in Astana?", "Trade House MAZ - Kazakhstan LLP"),
        ("С каким китайским учебным заведением Брестский технический университет заключил соглашение в январе 2023 года?",
         "Guangdong Construction Vocational Technical Institute"),
    ],
)
def test_english_and_russian_questions_retrieve_german_passages(client, question, snippet):
    body = ask(client, question)
    assert contains(body["passages"], snippet)
    assert body["language"] == ("ru" if re.search("[а-я]", question) else "en")


def test_a_german_question_is_answered_in_german(client):
    assert ask(client, "Wie viele Montagefabriken wurden bis 2011 in Kasachstan errichtet?")["language"] == "de"


def test_every_answer_marker_resolves_to_a_citation_of_a_returned_passage(client):
    seen = 0
    for question in ["Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?",
                     "Welche Quelle berichtet über die Vereinbarung der belarussischen Warenbörse mit der Astana Exchange?",
                     "Um wie viel stieg 2020 der Handel mit landwirtschaftlichen Erzeugnissen zwischen Belarus und Kasachstan?",
                     "How many Belarusian enterprises operate in Kazakhstan?",
                     "Welche Region soll konkreter Partner von Kostanay werden?"]:
        body = ask(client, question)
        markers = [int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])]
        assert sorted(set(markers)) == list(range(1, len(body["citations"]) + 1)), body["answer"]
        cited = {(s["doc_id"], s["footnote"]) for p in body["passages"] for s in p["citations"]}
        for n in markers:
            source = body["citations"][n - 1]
            assert (source["doc_id"], source["footnote"]) in cited
        seen += len(markers)
    assert seen >= 3


def test_sessions_survive_an_app_restart(engine_factory, built_settings, tmp_path):
    data = tmp_path / "data"
    engine = engine_factory(data)
    with TestClient(create_app(built_settings, engine=engine)) as c:
        session_id = ask(c, "Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Astana?")["session_id"]
    engine.close()
    engine = engine_factory(data)
    with TestClient(create_app(built_settings, engine=engine)) as c:
        turns = c.get(f"/sessions/{session_id}").json()["turns"]
        assert [t["message"] for t in turns] == ["Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Astana?"]
        follow = ask(c, "Wie groß ist sein Vertriebsnetz inzwischen?", session_id)
        assert contains(follow["passages"], "neun Händler sowie ein Netz von 12 autorisierten Servicestationen")
    engine.close()


def test_deleted_session_is_gone(client):
    session_id = ask(client, "Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Astana?")["session_id"]
    assert client.delete(f"/sessions/{session_id}").status_code == 204
    assert client.get(f"/sessions/{session_id}").status_code == 404


def test_documents_passages_and_footnotes(client):
    docs = {d["doc_id"]: d for d in client.get("/documents").json()}
    assert set(docs) == {DOC_KZ, DOC_CN} and docs[DOC_KZ]["footnotes"] == 117
    passages = client.get(f"/documents/{DOC_KZ}/passages").json()
    assert len(passages) == docs[DOC_KZ]["passages"]
    footnotes = client.get(f"/documents/{DOC_CN}/footnotes").json()
    assert [f["footnote"] for f in footnotes] == list(range(1, 129))
    assert footnotes[64]["status"] in {"ok", "truncated", "missing"}


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "needle"),
    [
        ("post", "/chat", {"message": ""}, 422, "message"),
        ("post", "/chat", {"message": "   "}, 422, "empty"),
        ("post", "/chat", {"message": "x" * 100_000}, 413, "too large"),
        ("post", "/search", {"query": "Handel", "k": 0}, 422, "k"),
        ("post", "/search", {"query": "Handel", "k": 1000}, 422, "k"),
        ("post", "/chat", {"message": "Und 2011?", "session_id": "0" * 32}, 404, "no session"),
        ("post", "/chat", {"message": "Und 2011?", "session_id": "../etc/passwd"}, 422, "session_id"),
        ("get", "/sessions/" + "a" * 32, None, 404, "no session"),
        ("get", "/documents/foo/passages", None, 404, "known: 000_1e69742b2c7560f6"),
        ("get", "/documents/foo/footnotes", None, 404, "no document 'foo'"),
        ("post", "/search", {"query": "Handel", "doc_id": "foo"}, 404, "no document"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client, method, path, payload, status, needle):
    response = client.request(method.upper(), path, json=payload)
    assert response.status_code == status, response.text
    assert needle in response.text


@pytest.mark.parametrize(("question", "phrase", "search_refuses"), [
    # A near miss (oil and 2012 are in the documents, the imported amount is not): retrieval finds the asked year in
    # the 5 best passages, so /search calls it answerable; /chat's reader refuses it, since its answer sentences do
    # not lean on what is counted ('Kazakh crude oil'; the asked-fact check, eval/README.md "Abstention").
    ("How much Kazakh crude oil did Belarus import in 2012?", "do not contain", False),
    ("Wie hoch war der Handelsumsatz zwischen Belarus und Kasachstan im Jahr 2015?", "keine verlässliche Antwort", True),
])
def test_unanswerable_question_says_so_and_still_shows_passages(client, question, phrase, search_refuses):
    body = ask(client, question)
    assert body["answerable"] is False and phrase in body["answer"]
    assert body["citations"] == [] and len(body["passages"]) == 5
    assert client.post("/search", json={"query": question}).json()["answerable"] is not search_refuses


@pytest.mark.parametrize(("first", "language", "phrase"), [
    ("Сколько белорусских студентов учится в Китае?", "ru", "не похоже на вопрос"),
    ("How many Belarusian students study in China?", "en", "does not look like a question"),
])
def test_content_free_turn_in_a_conversation_is_refused_in_the_conversations_language(client, first, language, phrase):
    session_id = ask(client, first)["session_id"]
    body = client.post("/chat", json={"message": "???", "session_id": session_id}).json()
    assert body["answerable"] is False and body["language"] == language and phrase in body["answer"]
    assert ask(client, "???")["language"] == "de"  # alone, it has no language: the documents' one


def test_short_turn_without_a_name_leans_on_the_conversation(client):
    # A turn that names nothing (no name, no number) and says little cannot be a question of its own: it asks
    # about the last exchange's subject, the Brest–Hubei plan, not about medicine anywhere in the documents.
    first = ask(client, "Welchen Kooperationsplan unterzeichneten die Region Brest und die Provinz Hubei?")
    assert contains(first["passages"], "Hubei")
    for message in ("Что планируется в медицинской сфере?", "What is planned in medicine?"):
        turn = ask(client, message, first["session_id"])
        assert turn["resolved_query"] != message and turn["resolved_query"].startswith(message.rstrip("?"))
        assert contains(turn["passages"], "Produktion von Ultraschalldiagnosegeräten")


def test_long_question_without_a_name_after_another_topic_stays_a_question_of_its_own(client):
    first = ask(client, "Wie viele Einwohner hat die chinesische Partnerstadt von Minsk?")
    message = "Welche Produkte aus belarussischem Holz werden außer Möbeln auf den kasachischen Markt geliefert?"
    turn = ask(client, message, first["session_id"])
    assert turn["resolved_query"] == message
    assert contains(turn["passages"], "Sperrholz, Holzfenster und -türen")



def test_follow_up_searches_the_last_exchange_when_the_thread_began_earlier(client):
    # 'sie' points at the zone the second turn asked about, not at where the thread began (Great Stone's
    # memorandum): the last exchange's question is searched too.
    first = ask(client, "Mit welcher kubanischen Sonderzone hat der Industriepark Great Stone 2021 ein Memorandum geschlossen?")
    ask(client, "Wie weit ist diese Zone von Havanna entfernt?", first["session_id"])
    third = ask(client, "Wann wurde sie gegründet?", first["session_id"])
    assert third["resolved_query"] != "Wann wurde sie gegründet?"
    assert contains(third["passages"], "im November 2013 gegründeten kubanischen ZOR")


def test_a_sentence_quoted_by_two_passages_is_said_once_with_both_sources(client):
    # The China document repeats the students sentence in two places, each with its own footnote. (Asked for
    # 'студентов', the reader now counts the German 'Studenten' and adds the joint institute's 142 students as the
    # second sentence; the citizens, 'граждан', are the twin's 'Bürger'.)
    body = ask(client, "Сколько граждан Беларуси учится в Китае?")
    assert body["answer"].count("fast 500 Bürger") == 1
    assert "[1][2]" in body["answer"]
    assert len(body["citations"]) == 2
