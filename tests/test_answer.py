"""Cited answers: extractive composition, language detection, and the optional LLM generator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from assistant.answer import (
    AnswerComposer,
    LlmAnswerer,
    detect_language,
    validate_markers,
)
from assistant.evaluation import flatten, load_questions

EVAL = Path(__file__).resolve().parents[1] / "eval"


@pytest.fixture(scope="module")
def composer(index, embedder):
    return AnswerComposer(index, embedder)


@pytest.mark.parametrize(("text", "language"), [
    ("Wann wurde der Industriepark gegründet?", "de"),
    ("When was the industrial park founded?", "en"),
    ("Когда был основан индустриальный парк?", "ru"),
    ("Und 2011?", "de"),
    ("Und was unterzeichneten sie im April 2022?", "de"),  # 'was', 'in' are English words too
    ("Und die Investitionen in Sachanlagen?", "de"),
    ("Who signed it?", "en"),
    ("Was steht an zweiter Stelle?", "de"),  # 'an' is a German preposition as well as an English article
    ("What is an FEZ?", "en"),
])
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_no_german_question_of_the_question_set_is_taken_for_another_language():
    """Every German question of the tuning files in eval/ (whatever its item's language: an English conversation
    may switch). The held-out files stay out: a failure here would be mended on them."""
    probes = flatten(load_questions(sorted(p for p in EVAL.glob("*.jsonl") if "holdout" not in p.name)))
    german = [p.question for p in probes if p.lang == "de"]
    assert len(german) > 100
    assert [q for q in german if detect_language(q) != "de"] == []
    english = [p.question for p in probes if p.lang == "en" and detect_language(p.question) != "en"]
    # German turns of English conversations, or turns with no sign of a language ('Main exports?'), which are
    # answered in the conversation's language (test_a_turn_without_a_language_is_answered_in_the_conversations)
    assert all(re.search(r"\b(und|die|der|das|wie|im)\b", q, re.IGNORECASE) or detect_language(q, default="") == ""
               for q in english)


def test_a_turn_without_a_language_is_answered_in_the_conversations(engine):
    first = engine.chat("How many Belarusian companies operate in Kazakhstan?", session_id=None, k=5)
    assert first.answer.language == "en"
    bare = engine.chat("Main activities?", session_id=first.session_id, k=5)
    assert bare.answer.language == "en" and not bare.answer.text.startswith(("Die Dokumente", "In den Dokumenten"))
    alone = engine.chat("Main activities?", session_id=None, k=5)
    assert alone.answer.language == "de"  # the documents' language when nothing else tells


def test_answer_quotes_the_answering_sentence_with_its_footnote(composer, engine):
    question = "Um wie viel ist der Handelsumsatz zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
    result = engine.search(question, k=5)
    answer = composer.compose(question, result.hits, answerable=True)
    assert "um mehr als das Vierfache gestiegen" in answer.text
    assert answer.text.count("[1]") >= 1 and validate_markers(answer.text, answer.citations)
    first_sentence_passage = next(h.passage for h in result.hits if h.passage.passage_id == answer.sentences[0][0])
    assert answer.citations[0].number in first_sentence_passage.footnote_numbers


def test_english_answer_embeds_no_sentence_the_index_has(index, embedder, engine):
    class Counting:
        """The real embedder, counting the passage texts it is asked to embed."""

        def __init__(self):
            self.passage_texts = 0

        def embed_queries(self, texts):
            return embedder.embed_queries(texts)

        def embed_passages(self, texts):
            self.passage_texts += len(texts)
            return embedder.embed_passages(texts)

    counting = Counting()
    composer = AnswerComposer(index, counting)
    question = "Which Belarusian company opened a trading house in Astana in 2010?"
    hits = engine.search(question, k=5).hits
    first = composer.compose(question, hits, answerable=True)
    again = composer.compose(question, hits, answerable=True)
    assert counting.passage_texts == 0  # every sentence vector comes from the index build
    assert again.text == first.text and "Astana" in first.text


def test_unanswerable_answer_says_so_in_the_question_language(composer, engine):
    hits = engine.search("What was Belarus's inflation rate in 2020?", k=3).hits
    answer = composer.compose("What was Belarus's inflation rate in 2020?", hits, answerable=False)
    assert not answer.answerable and answer.citations == [] and "do not contain" in answer.text
    ru = composer.compose("Какой уровень инфляции?", hits, answerable=False)
    assert "нет" in ru.text


def test_validate_markers():
    assert validate_markers("a [1] b [2]", [object(), object()])
    assert not validate_markers("a [3]", [object(), object()])
    assert not validate_markers("a [0]", [object()])


def _read(composer, engine, question: str) -> str:
    """The answer text /chat would compose for a question asked on its own."""
    result = engine.search(question, k=5)
    return composer.compose(question, result.hits, answerable=True, context=result.context).text


def _llm(reply: str | None, seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        if reply is None:
            return httpx.Response(500)
        return httpx.Response(200, json={"choices": [{"message": {"content": reply}}]})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_llm_answer_is_used_when_its_markers_resolve(composer, engine, index):
    question = "Um wie viel ist der Handelsumsatz zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
    hits = engine.search(question, k=3).hits
    extractive = composer.compose(question, hits, answerable=True)
    seen: list = []
    llm = LlmAnswerer("http://llm.test/v1", client=_llm("Er stieg um mehr als das Vierfache [1].", seen))
    answer = llm.rewrite(question, hits, extractive, index)
    assert answer.text == "Er stieg um mehr als das Vierfache [1]."
    assert len(answer.citations) == 1 and "Vierfache" in seen[0]["messages"][0]["content"]


@pytest.mark.parametrize("reply", [None, "Er stieg stark [9].", "Ohne Quelle.", "NICHT_ENTHALTEN"])
def test_llm_failure_or_bad_markers_fall_back_to_extractive(composer, engine, index, reply):
    question = "Um wie viel ist der Handelsumsatz zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
    hits = engine.search(question, k=3).hits
    extractive = composer.compose(question, hits, answerable=True)
    answer = LlmAnswerer("http://llm.test/v1", client=_llm(reply, [])).rewrite(question, hits, extractive, index)
    assert answer == extractive
    assert re.search(r"\[\d+\]", answer.text)


def test_how_many_answer_states_the_number_not_a_sentence_that_only_repeats_the_question(composer, engine, index):
    question = ("Wie viele Projekte werden nach dem 2022 durchgeführten belarussisch-chinesischen Wettbewerb "
                "wissenschaftlich-technischer Projekte von beiden Ländern staatlich gefördert?")
    hits = engine.search(question, k=5).hits
    asked = set(index.analyzer.analyze(question))
    sentences = [h.passage.text[s:e] for h in hits for s, e, _ in h.passage.sentences]
    # the trap: sentences about the same competition that do not give the number
    assert any("35" not in s and len(asked & set(index.analyzer.analyze(s))) >= 4 for s in sentences)
    answer = composer.compose(question, hits, answerable=True)
    assert " 35 " in f" {answer.text} "


def test_two_part_question_gets_both_parts(composer, engine):
    question = ("In wie vielen Bereichen wollte die belarussische Seite auf der Kommissionssitzung im Mai 2022 die "
                "Handelszusammenarbeit mit China vertiefen, und welcher war der erste?")
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    assert "fünf" in answer.text and "direkten Kontakte" in answer.text
    assert len(answer.sentences) == 2


@pytest.mark.parametrize(("question", "lead", "foreign"), [
    ("Which Belarusian company opened a trading house in Astana in 2010?", "The documents say (German original): \u201c",
     ["ohne Fußnote", "без сноски", "Passage "]),
    ("Каким был товарооборот между Беларусью и Казахстаном в 2016 году?",
     "В документах сказано (оригинал на немецком): «", ["ohne Fußnote", "no footnote", "Passage "]),
    ("Wann wurde der 20. Jahrestag der Aufnahme diplomatischer Beziehungen zwischen Belarus und Kasachstan begangen?",
     "", ["no footnote", "passage ", "The documents", "без сноски"]),
    ("Und was unterzeichneten sie im April 2022?", "", ["no footnote", "passage ", "The documents"]),
])
def test_answer_speaks_the_askers_language(composer, engine, question, lead, foreign):
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    # An English or Russian answer may first state the asked value in the asker's language (tests/test_values.py).
    framed = re.sub(r"^(?:In short|Коротко): [^.]+\. ", "", answer.text)
    assert framed.startswith(lead) and answer.language == detect_language(question)
    assert not any(label in answer.text for label in foreign), answer.text


def test_glued_heading_is_not_quoted(composer, index):
    """The chunker keeps the heading a sentence of its own; should one still be glued on, the reader cuts it."""
    from dataclasses import replace

    from assistant.answer import _candidate

    sentences = [(p, s, e) for p in index.passages for s, e, _ in p.sentences]
    assert not [1 for p, s, e in sentences if p.text[s:e].startswith("Künftige Pläne im Fahrplan Im Mai 2021")]
    passage, s, e = next((p, s, e) for p, s, e in sentences if p.text[s:e].startswith("Im Mai 2021 fand"))
    glued = replace(passage, text="Künftige Pläne im Fahrplan " + passage.text[s:e])
    assert _candidate(1, glued, 0, len(glued.text), ()).text.startswith("Im Mai 2021 fand")


# 'im Jahr 2022' was answered with Minsk's figure for 2021 until the asked-fact check refused numbers dated to other
# years (`_dated_elsewhere`); the first quarter of 2022 is answered and still mixes no documents.
@pytest.mark.parametrize("question", [
    "Wie hoch war der Handelsumsatz zwischen Belarus und China im ersten Quartal 2022?",
    "How many Belarusian companies took part in trade fairs in Astana?",
])
def test_two_sentences_come_from_one_document(composer, engine, index, question):
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    docs = {pid.split(":")[0] for pid, _ in answer.sentences}
    assert len(docs) == 1


def test_the_neighbour_sentence_supplies_the_number_the_best_sentence_lacks(composer, engine):
    """The best-scoring sentence names the academy and the department but no number; the next one has it."""
    question = "Wie viele Mediziner werden pro Jahr an der postgradualen Akademie in der Abteilung für Reflexologie geschult?"
    hits = engine.search(question, k=5).hits
    answer = composer.compose(question, hits, answerable=True)
    assert "mehr als 200 Ärzte" in answer.text
    # read in document order: the sentence naming the department comes first
    assert answer.text.index("Reflexologie") < answer.text.index("mehr als 200")


def test_a_sentence_pointing_back_is_quoted_with_its_referent(composer, engine):
    """'Dieses Unternehmen wurde als strategischer Partner ausgewählt …' matches the question's words; the
    company's name stands in the sentence before it."""
    question = ("Welches chinesische Pharmaunternehmen wurde im Februar 2023 als strategischer Partner ausgewählt, "
                "um die Interessen der Holding Belpharmprom beim Einkauf pharmazeutischer Stoffe in China zu vertreten?")
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    assert "North China" in answer.text and "Dieses Unternehmen" in answer.text
    assert answer.text.index("North China") < answer.text.index("Dieses Unternehmen")


def test_the_second_part_is_answered_when_the_best_sentence_answers_the_first(composer, engine):
    """The best sentence ('366 Unternehmen mit belarussischer Beteiligung …') answers the English question's
    second part; the first part's answer is another sentence."""
    question = ("How many companies with Kazakh capital operate in Belarus, and how many companies with Belarusian "
                "participation operate in Kazakhstan?")
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    assert "366" in answer.text and "Vierundfünfzig" in answer.text


def test_a_follow_up_may_be_answered_by_the_sentence_quoted_before(engine):
    """'Was sieht es vor?' asks about the agreement the first answer quoted; the sentence saying what it
    provides for is that same sentence, and a second quotation of it beats an unrelated one."""
    first = engine.chat("Wann schlossen die belarussische Telegrafenagentur und die Agentur Kazinform ein Abkommen?",
                        session_id=None, k=5)
    assert "Fotomaterial" in first.answer.text
    follow_up = engine.chat("Was sieht es vor?", session_id=first.session_id, k=5)
    assert "Fotomaterial" in follow_up.answer.text


def test_a_follow_up_that_asks_afresh_leads_with_the_sentence_quoted_before_when_it_states_the_fact(engine):
    """The first answer quotes the sentence on MAZ's trading house, which also counts its dealers; 'Wie viele
    Händler …?' asks afresh (a question word), so that sentence is not held back as a repeat and leads the answer,
    before the one counting all Belarusian companies' sales points."""
    first = engine.chat("Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Kasachstan?", session_id=None, k=5)
    assert "neun Händler" in first.answer.text
    follow_up = engine.chat("Wie viele Händler umfasst sein Vertriebsnetz?", session_id=first.session_id, k=5)
    assert "neun Händler" in follow_up.answer.sentences[0][1]


def test_an_answer_that_repeats_its_quoted_lead_adds_a_sentence_not_said_before(engine):
    """The Mariel memorandum was quoted twice before; 'And when was the first of them, Jizzakh, set up?' led with
    it again (before the glossary gave 'set up' its German words it still did), so a second sentence must be one the
    user has not read: the one dating Jizzakh's zone. Now that sentence may lead on its own."""
    session_id, said = None, []
    for question in ("Which Cuban zone did Great Stone sign a memorandum of understanding with in January 2021?",
                     "How far is this zone from Havana?", "When was it founded?",
                     ("What about the Uzbek free economic zones — when did the park's administration discuss "
                      "cooperation with them?")):
        turn = engine.chat(question, session_id=session_id, k=5)
        session_id = turn.session_id
        said.append(turn.answer.text)
    answer = engine.chat("And when was the first of them, Jizzakh, set up?", session_id=session_id, k=5).answer
    unread = [sentence for _, sentence in answer.sentences if not any(sentence.strip()[:60] in text for text in said)]
    assert unread and "März 2013" in unread[0]


def test_the_page_detects_languages_with_the_servers_word_lists():
    """The page labels a restored turn by the question's language with the same function words as the server."""
    from assistant import language

    script = (Path(__file__).resolve().parents[1] / "api" / "static" / "app.js").read_text("utf-8")
    lists = {name: set(re.search(rf'const {name} = new Set\("([^"]*)"', script).group(1).split())
             for name in ("ENGLISH_WORDS", "GERMAN_WORDS")}
    assert lists == {"ENGLISH_WORDS": set(language._ENGLISH), "GERMAN_WORDS": set(language._GERMAN)}


@pytest.mark.parametrize(("question", "name"), [
    # The sentence naming the region and Kazakhstan repeats the question's words; the regions' names stand in
    # another passage's sentence, which the name bonus lifts over the rank of its passage.
    ("Mit welchen Regionen Kasachstans arbeitet die Region Grodno zusammen?", "Aktobe"),
    ("Which Kazakh regions is the Grodno region linked with?", "Aktobe"),
    # 'Novoera Biotech' is in the question: the sentence saying it settled in the park states no new name;
    # the founders stand in the sentence after it.
    ("Welche Unternehmen haben Novoera Biotech gegründet?", "Jingtai"),
])
def test_a_name_question_is_answered_by_a_sentence_with_a_name_the_question_lacks(composer, engine, question, name):
    assert name in _read(composer, engine, question)


def test_names_are_told_apart_from_nouns_by_the_corpus(composer):
    names = composer._names
    assert {"Aktobe", "Kostanay", "Mangistaus"} <= set(
        names.names("Die Region Grodno ist mit den Regionen Aktobe, Kostanay und Mangistaus verbunden."))
    assert names.names("BelVitunifarm wird sich auf belarussischer Seite an diesem Projekt beteiligen.") == ["BelVitunifarm"]
    # German nouns, rare ones included, are no names
    assert names.names("Die Arbeiten zum Aufbau der Produktion von Tierarzneimitteln werden fortgesetzt.") == []
    assert names.new_names("Die Region Grodno beliefert ihre Partner.", "Welche Partner hat die Region Grodno?") == []
    # 'Region' is a kind of thing the corpus names ('Region Grodno'), 'Vorteile' is not
    assert names.asks_name("Welche Region liefert Möbel?") and names.asks_name("Wer leitet den Park?")
    assert not names.asks_name("Welche Vorteile bietet der Park?")
    assert names.asks_name("Which company opened a trading house?")  # an English noun cannot be looked up


def test_a_how_many_answer_states_the_number_of_the_counted_thing(composer, engine):
    """'Es hat 22.000 Studenten.' is short (it was dropped as contentless) and names the institute only as 'Es'."""
    question = "Wie viele Studenten hat das Guangdong Construction Vocational Institute?"
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    assert "22.000 Studenten" in answer.text


def test_counted_nouns_and_counts():
    from assistant.answer import _counts
    from assistant.language import counted_nouns

    assert counted_nouns("Wie viele chinesische Bürger studieren in Brest?") == ["Bürger"]
    assert counted_nouns("Wie viele Joint Ventures gibt es?") == ["Joint", "Ventures"]
    assert counted_nouns("Um wie viel ist der Handel gestiegen?") == []
    nouns = ["Studierende"]
    assert _counts("Heute studieren 244 chinesische Studenten an dem Institut.", nouns, "")
    assert not _counts("Die Eröffnung von 2 gemeinsamen Instituten an der BSU.", nouns, "")
    assert not _counts("Im Jahr 2021 erhielten die Studenten Diplome.", nouns, "")  # a year counts nothing


@pytest.mark.parametrize(("question", "fact"), [
    ("Welches Unternehmen gründete Yunchenbel?", "SUMEC"),
    ("Wie viele Unternehmen mit belarussischer Beteiligung arbeiten in Kasachstan?", "366"),
    ("Wie viele chinesische Bürger studieren heute in Brest?", "mehr als 200"),
])
def test_answers_that_were_right_stay_right(composer, engine, question, fact):
    answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
    assert fact in answer.text


def test_question_words_the_corpus_lacks_count_in_the_lexical_share(composer):
    """A Russian question's only word the German index knows may be its year: a sentence with that year alone
    does not contain the whole question."""
    shares = composer._lexical("Сколько тракторов продали в 2021 году?",
                               ["Im Jahr 2021 wurde ein Abkommen unterzeichnet.", "Es wurden 500 Traktoren verkauft."])
    assert shares[0] < 0.3


def test_names_match_across_latin_and_cyrillic_spellings(composer):
    sentences = ["Belarussische Traktoren arbeiten in Kasachstan.", "Belarussische Traktoren arbeiten in China."]
    for question in ("Сколько тракторов работает в Казахстане?", "How many tractors work in Kazakhstan?"):
        shares = composer._lexical(question, sentences)
        assert shares[0] > shares[1], question


@pytest.mark.parametrize(("question", "types"), [
    ("Каким был товарооборот между странами в 2015 году?", {"number"}),
    ("Какого объёма достиг экспорт в 2019 году?", {"number"}),
    ("Какую цель по числу резидентов ставит программа?", {"number"}),
    ("What was the trade turnover in 2015?", {"number"}),
    ("Какие города подписали соглашение?", {"name"}),
    ("Какую продукцию выпускает завод?", {"name"}),
    # A measure or an adverb of degree asks for a number without 'wie viele' / 'how many'.
    ("Welche Tragkraft haben die neuen Kipper?", {"number"}),
    ("Mit welchen Kosten rechnet das Ministerium?", {"number"}),
    ("Welches Investitionsvolumen ist geplant?", {"number"}),
    ("Wie weit ist die Zone von der Hauptstadt entfernt?", {"number"}),
    ("What annual capacity does the new workshop have?", {"number"}),
    ("What did the region's imports amount to?", {"number"}),
    ("Какова мощность нового завода?", {"number"}),
    ("Какое место занимает университет в рейтинге?", {"number"}),
    ("Насколько велика сеть дилеров?", {"number"}),
    ("Welche Leistungen bietet der Park?", {"name"}),
])
def test_russian_and_english_questions_for_a_quantity_ask_for_a_number(question, types):
    from assistant.language import asked_types

    assert asked_types(question) == types


@pytest.mark.parametrize(("question", "fact"), [
    # The answering sentence stands in the 3rd to 5th passage; the best passage has sentences that share the
    # question's year or names but not its subject.
    ("How many cooperation agreements has BSTU concluded with Chinese universities and organisations?", "17"),
    ("Каким был объём прямых инвестиций Казахстана в Минскую область в 2021 году?", "1,2 Millionen"),
    ("Сколько рабочих мест создали резиденты «Великого камня» к 2022 году?", "1.700"),
])
def test_a_crosslingual_question_is_answered_from_the_passage_of_its_closest_sentence(composer, engine, question, fact):
    assert fact in _read(composer, engine, question)


def test_a_modal_verb_after_wie_viel_is_not_what_is_counted():
    from assistant.language import asked_noun

    assert asked_noun("Um wie viel konnte der Park seine Produktion steigern?") is None
    assert asked_noun("Wie viele Mitarbeiter soll das Werk beschäftigen?") == "Mitarbeiter"


def test_an_enumeration_of_longer_items_each_with_its_article_is_a_list(composer):
    assert composer._states("Das Angebot umfasst die Planung, den Bau durch belarussische Firmen, die Lieferung "
                            "von Maschinen und die Schulung.", "list", "")
    assert not composer._states("Die Region liefert die Milch, die sie erzeugt.", "list", "")


@pytest.mark.parametrize(("sentence", "quoted"), [
    # written for this test after the corpus's way of quoting across sentences
    ('Der Minister sagte, "die Zusammenarbeit wird wachsen.', 'Der Minister sagte, "die Zusammenarbeit wird wachsen."'),
    ('Insgesamt sollen 700 Projekte umgesetzt werden".', '"Insgesamt sollen 700 Projekte umgesetzt werden".'),
    ('Er nannte es "ein gutes Jahr" für beide Seiten.', 'Er nannte es "ein gutes Jahr" für beide Seiten.'),
    ("Im Jahr 2020 [laut Zoll] stieg der Handel.", "Im Jahr 2020 (laut Zoll) stieg der Handel."),
    ('Das Motto lautete:"Made in Belarus".', 'Das Motto lautete:"Made in Belarus".'),  # an opening after a colon
])
def test_a_quoted_sentence_shows_no_stray_quotation_mark(sentence, quoted):
    from assistant.answer import _unbracketed

    assert _unbracketed(sentence) == quoted


def test_no_composed_answer_has_an_unbalanced_quotation_mark(composer, engine):
    """Quotations in the corpus run across sentences ('… dass "sobald Geschäftsleute …' ends a sentence later)."""
    questions = ["Welche Aufgabe haben sich die Präsidenten der beiden Länder für den Handelsumsatz gestellt?",
                 "Wie viele neue Produktionsanlagen wurden in Kasachstan in den letzten Jahren in Betrieb genommen?",
                 "How many industrial innovation projects is Kazakhstan to carry out?"]
    for question in questions:
        answer = composer.compose(question, engine.search(question, k=5).hits, answerable=True)
        assert answer.answerable and answer.text.count('"') % 2 == 0, answer.text



@pytest.mark.parametrize(("question", "types"), [
    ("Was kostet die erste Anlage?", {"number"}),
    ("Was kosten die beiden Projekte zusammen?", {"number"}),
    ("Was kostete das Werk?", {"number"}),
    ("In welchen Jahren wurden die Abkommen geschlossen?", {"date"}),
    ("Welche Jahre umfasst der Aktionsplan?", {"date"}),
    ("Welche Jahrestage wurden gefeiert?", {"name"}),
])
def test_the_price_of_something_and_a_question_for_years_ask_for_a_number_and_a_date(question, types):
    from assistant.language import asked_types

    assert asked_types(question) == types


def test_a_distance_is_no_sum_of_money_whatever_else_the_question_says():
    from assistant.language import asks_money

    assert not asks_money("Wie weit ist die Zone, mit der der Park bei der Investorensuche kooperiert, entfernt?")
    assert asks_money("Wie viel wurde in den Park investiert?")
    assert asks_money("Wie viel investiert Human Kraft in seine Produktion?")  # 'wie viel' counts no company
    assert not asks_money("Wie viele Unternehmen investierten in den Park?")
    assert not asks_money("Wie viel Prozent der Investitionen kamen aus China?")
    assert not asks_money("Во сколько раз выросли инвестиции?")


@pytest.mark.parametrize(("question", "facts"), [
    # The second part ('in welchen Jahren') asks for the years: the sentence that gives them answers, not the
    # one enumerating the region's exporters.
    (("Mit welchen Regionen Kasachstans hat Mogilev Abkommen über die Zusammenarbeit geschlossen, und in welchen "
      "Jahren?"), ("2009", "2003")),
    # 'Was kosten …?' asks for the price: the sentence with both prices follows the one with the total.
    ("Was kosten die zwei Anlagen bei Mogilevkhimvolkno jeweils?", ("450", "250")),
    # The date the question gives ('im Mai 2021') is not the one it asks for: the sentence on the memorandum
    # repeats it; the one after it says when the university was founded.
    (("Die BSU hat im Mai 2021 ein Memorandum mit der Tsinghua-Universität unterzeichnet. In welchem Jahr wurde "
      "diese Universität gegründet?"), ("1911",)),
])
def test_a_question_for_years_or_prices_is_answered_with_them(composer, engine, question, facts):
    text = _read(composer, engine, question)
    assert all(fact in text for fact in facts), text


def test_the_rank_prior_yields_to_the_only_passage_whose_sentence_states_the_asked_type(composer, engine):
    """The enumeration of newspapers stands in a lower passage; the passages above it speak of the press without
    naming any: it is not discounted against sentences that cannot answer."""
    text = _read(composer, engine, "Welche Presseorgane der Regionen sollen die Zusammenarbeit beider Staaten "
                                   "publizistisch begleiten?")
    assert "Regional-, Bezirks- und Stadtzeitungen" in text


@pytest.mark.parametrize(("question", "asks_name"), [
    # Nouns the corpus never puts before a name, for kinds of things that bear one.
    ("Welcher belarussische Betrieb liefert Tierarzneimittel nach Kasachstan?", True),
    ("Welche chinesische Hochschule arbeitet mit der BSU zusammen?", True),
    # Common nouns: their answer is no name.
    ("Welche Auszeichnung erhielt der Industriepark?", False),
    ("Welche Fläche hat das Werk?", False),
    ("Welche Leistungen bietet das Unternehmen an?", False),
])
def test_a_welche_noun_close_to_a_kind_the_corpus_names_asks_for_a_name(composer, question, asks_name):
    assert ("name" in composer._asked(question)) is asks_name


@pytest.mark.parametrize(("question", "asks_list"), [
    ("Auf welche Fußnote stützt sich diese Angabe?", False),
    ("Welche Hochschule kam 2023 hinzu?", False),
    ("Welche Presseorgane sollen die Zusammenarbeit begleiten?", True),
    ("Welche Städte haben Partnerschaften geschlossen?", True),
])
def test_a_singular_noun_in_e_before_a_singular_verb_asks_for_no_list(composer, question, asks_list):
    assert ("list" in composer._asked(question)) is asks_list


@pytest.mark.parametrize(("question", "afresh"), [
    ("Was will es herstellen?", True),
    ("When was it founded?", True),
    ("And what about 2011?", False),  # continuing words around a question word (found in review)
    ("А как насчёт 2011?", False),
    ("Und 2011?", False),
])
def test_only_a_follow_up_that_asks_afresh_frees_the_sentence_quoted_before(question, afresh):
    from assistant.answer import _ASKS_AFRESH, _CONTINUES

    assert (_ASKS_AFRESH.search(_CONTINUES.sub(" ", question)) is not None) is afresh


@pytest.mark.parametrize(("question", "listing"), [
    ("Welche Produkte exportiert Belarus nach China?", True),  # the verb's subject follows it: plural noun
    ("Welche Projekte mit chinesischer Beteiligung gibt es?", True),  # 'mit' is no verb
    ("Auf welche Fußnote stützt sich die Angabe?", False),
    ("Welche Hochschule kam im Frühjahr hinzu?", False),
])
def test_a_noun_in_e_asks_for_a_list_unless_its_own_verb_is_singular(question, listing):
    from assistant.answer import _ASKS_LIST

    assert (_ASKS_LIST.search(question) is not None) is listing



def test_a_lone_sentence_that_introduces_the_subject_is_followed_by_the_one_that_says_what_it_does(engine):
    """'… registriert - IRBI LLC, dessen Investitionsprojekt …' names the resident; the sentence after it, which
    does not repeat the name, says what it makes (written for this test, not a tuning question)."""
    answer = engine.chat("Was wird IRBI im Industriepark produzieren?", session_id=None, k=5).answer
    assert "IRBI" in answer.text and "Monoblöcke" in answer.text
    first, second = answer.sentences
    assert first[0].split(":")[0] == second[0].split(":")[0]  # one document, in reading order
    assert answer.text.index("IRBI") < answer.text.index("Monoblöcke")


def test_the_sentence_that_points_back_to_the_introduced_subject_follows_it_even_when_it_scores_low(engine):
    """'Der neue Resident "wird … Röntgenröhren …"' shares no word with the question; it points back to the sentence
    that registers SinoBelMedica (written for this test)."""
    answer = engine.chat("Was will SinoBelMedica im Park herstellen?", session_id=None, k=5).answer
    assert "SinoBelMedica" in answer.text and "Röntgenröhren" in answer.text


def test_a_two_part_answer_that_points_back_gets_the_sentence_it_points_to(engine):
    """'… der Cluster der in diesem Bereich tätigen Unternehmen … mehr als 20 Projekte' answers the second part; the
    sector ('… ist heute der Maschinenbau') stands in the sentence before it (written for this test)."""
    question = "Welcher Bereich bildet den größten Cluster im Industriepark, und wie viele Projekte umfasst er?"
    text = engine.chat(question, session_id=None, k=5).answer.text
    assert "Maschinenbau" in text and "20 Projekte" in text
    assert text.index("Maschinenbau") < text.index("in diesem Bereich")  # reading order


def test_the_sentence_pointed_back_to_answers_the_other_part_only_with_what_it_asks(engine):
    """The first sentence ('… in diesem zentralasiatischen Land …') points back; the sentence before it names
    Gomselmash's agreement and no count, so it does not answer 'what share of them …' (eval: h7-x-en-03)."""
    question = ("How many tractors are in use in the Kostanay region, and what share of them were made by the "
                "Minsk Tractor Works?")
    text = engine.chat(question, session_id=None, k=5).answer.text
    assert "8 Tausend Traktoren" in text and "Drittel" in text and "Gomselmash" not in text


@pytest.mark.parametrize(("sentence", "points_back"), [
    ("Es sei daran erinnert, dass der Cluster der in diesem Bereich tätigen Unternehmen der größte ist.", True),
    ("Es wird erwartet, dass 100 solcher Motoren geliefert werden.", True),
    ("In diesem Zusammenhang möchten wir betonen, dass Investoren 100 Millionen USD investiert haben.", False),
])
def test_a_demonstrative_points_back_unless_it_only_links_the_text(sentence, points_back):
    from assistant.answer import _POINTS_BACK

    assert (_POINTS_BACK.search(sentence) is not None) == points_back


def test_a_russian_question_for_a_sum_wants_a_sum_not_a_count(engine):
    """'На какую сумму …?' asks for a sum of money ('сумма'), as 'Wie viel kostet …?' does: the sentences that
    count the 500 combines and the 100 dump trucks of 2018, with no price, are a near miss."""
    from assistant.language import asks_money

    assert asks_money("На какую сумму был подписан контракт?") and asks_money("Auf welche Summe belief sich der Vertrag?")
    result = engine.chat("На какую сумму Гомсельмаш поставит 500 комбайнов компании AgromashHolding в 2018 году?",
                         session_id=None, k=5)
    assert not result.answer.answerable, result.answer.text


@pytest.mark.parametrize(("question", "noun"), [
    # A Russian noun in -ий after 'сколько' is the genitive plural of what is counted, not an adjective; a past
    # tense ends the phrase.
    ("Сколько соглашений БГУ заключил с китайскими учреждениями?", "соглашений БГУ"),
    ("Сколько всего соглашений у неё с казахстанскими регионами?", "соглашений"),
    ("Сколько белорусских студентов учится в Китае?", "студентов"),
])
def test_a_russian_counting_question_counts_its_noun(question, noun):
    from assistant.language import asked_noun

    assert asked_noun(question) == noun


def test_a_sentence_that_counts_the_asked_noun_in_so_many_words_answers_whatever_e5_says(engine):
    """'… mehr als 80 Abkommen …' counts the agreements 'Сколько соглашений …?' asks for (the glossary's German
    nouns for 'соглашений'): the noun-dependence check, an e5 proxy for that, does not refuse it."""
    result = engine.chat("Сколько соглашений БГУ заключил с китайскими учреждениями?", session_id=None, k=5)
    assert result.answer.answerable and "80 Abkommen" in result.answer.text, result.answer.text
