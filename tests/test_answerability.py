"""The abstain decision on the real index: content-free input, off-topic questions in three languages, near misses."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answerability import is_content_free

CONTENT_FREE = ["???", "asdfghjkl", "\u200b", "😀", "a", "…!", "qwrtzp", "ok", "Danke schön!", "hmm", "1234567", "99999"]


@pytest.mark.parametrize("text", CONTENT_FREE)
def test_content_free_input_is_recognised(text):
    assert is_content_free(text)


@pytest.mark.parametrize("text", ["Und 2011?", "Wann?", "Gomselmash?", "Китай?", "Who?", "MAZ", "2011", "Ja, wie viele?",
                                  "Mit wem?", "85.", "2011?", "847,9", "2020, 2021?"])
def test_short_questions_are_not_content_free(text):
    assert not is_content_free(text)


@pytest.mark.parametrize(("question", "language"), [
    ("Wer hat die Fußball-WM 2014 gewonnen?", "de"),
    ("Wie heißt der Präsident von Frankreich?", "de"),
    ("What is the capital of Australia?", "en"),
    ("How do I bake sourdough bread?", "en"),
    ("Какая самая высокая гора в мире?", "ru"),
    ("Кто написал роман «Война и мир»?", "ru"),
])
def test_off_topic_questions_are_refused_in_the_askers_language(client, question, language):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert body["passages"]  # the closest passages are still shown
    refusal = {"de": "Dokumente keine", "en": "documents do not contain", "ru": "В документах нет"}[language]
    assert refusal in body["answer"]


# Written for this test, not taken from eval/: an English question whose best passage scores below the English
# floor, but which names what only one passage names (the Optron plant); and one that names only a nationality the
# corpus rarely writes in English, about something the documents do not cover.
@pytest.mark.parametrize(("question", "fact"), [
    ("Which top speed does the Optron plant's electric scooter have?", "60"),
    ("Which Belarusian player won the Australian Open women's title?", None),
])
def test_an_english_question_naming_a_rare_entity_of_the_documents_is_not_off_topic(client, question, fact):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is (fact is not None)
    if fact is not None:
        assert fact in body["answer"]


# Written for this test, not taken from eval/: general-knowledge questions that name nothing of the documents,
# asked right after a question about them. They used to be read as follow-ups and answered from the last topic.
@pytest.mark.parametrize(("question", "language"), [
    ("Wie heißt der Bundeskanzler von Deutschland?", "de"),
    ("Wie viele Einwohner hat Brasilien?", "de"),
    ("What causes the northern lights?", "en"),
    ("Как работает квантовый компьютер?", "ru"),
])
def test_off_topic_question_inside_a_conversation_is_refused_not_read_as_a_follow_up(client, question, language):
    first = client.post("/chat", json={"message": "Wie hoch ist die Miete im Industriepark Great Stone?"}).json()
    body = client.post("/chat", json={"message": question, "session_id": first["session_id"]}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert body["resolved_query"] == question  # not glued to the park


def test_a_chat_reply_inside_a_conversation_asks_nothing_again(client):
    first = client.post("/chat", json={"message": "Wie viele Montagewerke hat Belarus in Kasachstan?"}).json()
    body = client.post("/chat", json={"message": "ok", "session_id": first["session_id"]}).json()
    assert body["answerable"] is False and "nicht nach einer Frage" in body["answer"]


@pytest.mark.parametrize("message", CONTENT_FREE)
def test_content_free_chat_gets_a_helpful_refusal_not_an_error(client, message):
    response = client.post("/chat", json={"message": message})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answerable"] is False and body["citations"] == []
    assert "nicht nach einer Frage" in body["answer"] and "zum Beispiel" in body["answer"]


def test_english_content_free_refusal_is_english(engine_factory):
    from assistant.answer import AnswerComposer

    engine = engine_factory()
    hits = engine.search("?!", k=3).hits
    answer = AnswerComposer(engine.index, engine.embedder).compose("?!", hits, answerable=False, language="en")
    assert answer.text.startswith("That does not look like a question")
    engine.close()


def test_near_misses_are_refused(engine):
    result = engine.search("Wie hoch war der Handelsumsatz zwischen Belarus und Kasachstan im Jahr 2015?", k=5)
    # the text gives 2014 and 2016
    assert not result.answerable and result.reason in {"year-missing", "terms-missing", "low-confidence", "off-topic"}


def test_a_near_miss_whose_year_stands_lower_is_refused_by_the_reader(engine):
    """2019 stands in one of the best seven passages, about something else: the retrieval stage lets the question
    through, the reader's check of the counted noun ('Touristen', used nowhere near) refuses it."""
    chat = engine.chat("Wie viele Touristen aus Kasachstan besuchten im Jahr 2019 Belarus?", session_id=None, k=5)
    assert not chat.answer.answerable and chat.answer.citations == []


@pytest.mark.parametrize("question", [
    "Wie viele Montagefabriken für belarussische Ausrüstungen wurden in den zwei Jahren bis 2011 in Kasachstan errichtet?",
    "Which Belarusian company opened a trading house in Astana in 2010?",
    "Каким был товарооборот между Беларусью и Казахстаном в 2016 году?",
])
def test_answerable_questions_are_answered(engine, question):
    result = engine.search(question, k=5)
    assert result.answerable and result.reason == "answerable"


@pytest.mark.parametrize(("question", "noun"), [
    ("Wie viele Mitarbeiter beschäftigt das Werk?", "Mitarbeiter"),
    ("Wie viele belarussische Studierende sind dort eingeschrieben?", "Studierende"),  # German nouns are capitalised
    ("How many Chinese tourists visited Minsk?", "Chinese tourists"),  # up to the verb
    ("How many ethnic Belarusians live in Kazakhstan?", "ethnic Belarusians"),  # a verb in the present too
    ("And how many vehicles was the Minsk Tractor Works to supply that year?", "vehicles"),
    ("How many X-ray tubes per year will the plant produce?", "X-ray tubes"),
    ("Сколько белорусских студентов учится в Китае?", "студентов"),  # without the adjective
    ("Wie viel kostet der Bau?", "kostet"),  # no noun: the word naming what is measured
    ("Сколько стоит трактор?", "стоит"),
    ("How much did Belarus export in 2022?", None),  # counts nothing named
    ("Und wie viele davon im Jahr 2011?", None),
    ("Wann wurde der Park gegründet?", None),  # not a counting question
])
def test_asked_noun_is_what_a_counting_question_counts(question, noun):
    from assistant.language import asked_noun

    assert asked_noun(question) == noun


# Written for this test from the text, not taken from eval/: the documents count the Belarusians studying in China
# ('Bis heute studieren fast 500 Bürger der Republik Belarus in China …'), but no teachers from China and no
# hospitals; the best sentences for those questions are about the students.
@pytest.mark.parametrize("question", [
    "Wie viele Lehrer aus China unterrichten in Belarus?",
    "How many hospitals did China build in Belarus?",
])
def test_counting_near_miss_is_refused_by_the_asked_fact_check(client, question):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert body["passages"]


@pytest.mark.parametrize("question", [
    "Wie viele belarussische Bürger studieren in China?",
    "How many Belarusians study in China?",  # paraphrased, cross-lingual
    "Сколько белорусских граждан учится в Китае?",
])
def test_counting_question_of_the_same_topic_is_answered(client, question):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is True and "500 Bürger" in body["answer"]


@pytest.mark.parametrize(("question", "term"), [
    ("Wie viele Mitarbeiter beschäftigt das Werk?", "Mitarbeiter"),  # the counted noun
    ("Wann wurde die Universität gegründet?", "gegründet"),  # the participle a date question ends with
    ("Wann soll das Gebäude fertiggestellt werden?", "fertiggestellt"),  # past the auxiliary
    ("Wie viel kostet der Bau?", None),  # a sum of money: stated with its currency, not with a word of the question
    ("Wie viel Geld stellt China bereit?", None),
    ("How many employees does the plant have?", None),  # the German text cannot be searched for an English word
    ("Welche Stadt ist Partnerstadt von Orscha?", None),  # asks for a name
    ("Wann eröffneten die Minsker Motorenwerke ihr Handelshaus?", None),  # no participle at the end
    ("Um wie viel Prozent wuchs der Umsatz?", None),  # a unit, which the answer may write as '%'
    ("Wie viele Tonnen Milch wurden geliefert?", None),
])
def test_asked_term_is_the_word_a_passage_stating_the_answer_uses(question, term):
    from assistant.answerability import asked_term

    assert asked_term(question) == term


@pytest.mark.parametrize(("text", "term", "found"), [
    ("Heute studieren 244 chinesische Studenten.", "Studierende", True),  # inflected alike
    ("Die Gründung des Parks wurde 2012 beschlossen.", "gegründet", True),  # the participle without its 'ge'
    ("In den zwei Jahren wurden 12 Montagefabriken errichtet.", "Fabriken", True),  # part of a compound
    ("Die Montagelinie ist auf 1200 Traktoren berechnet.", "Mitarbeiter", False),
    ("Die Umsetzung begann bereits im Jahr 2012.", "fertiggestellt", False),
])
def test_mentions_finds_the_term_inflected_or_in_a_compound(text, term, found):
    from assistant.answerability import mentions

    assert mentions(text, term) is found


@pytest.mark.parametrize(("question", "money"), [
    ("Wie viel kostet der Schweinezuchtkomplex?", True),
    ("How much will the new plant cost?", True),
    ("Сколько стоит строительство завода?", True),
    ("Wie hoch ist die Miete im Industriepark?", True),  # a rent is a price
    ("How much is the rent for an office in the park?", True),
    ("Сколько составляет аренда офиса в парке?", True),
    ("Wie viele Unternehmen investierten in den Park?", False),  # counts companies
    ("Сколько лекарственных средств зарегистрировано?", False),  # 'средства' are medicines here, not funds
    ("Wann wurde der Preis verliehen?", False),  # asks for no number
    # The value of a rate or a share is no sum ('… von 21 % auf 5 % gesenkt').
    ("Auf welchen Wert ließ sich die Todesrate bei schwer an COVID Erkrankten senken?", False),
    ("Von welchem auf welchen Wert sank der Anteil der Todesfälle?", False),
    ("Welchen Wert hatte 2021 der gesamte Warenaustausch?", True),
])
def test_a_question_for_a_sum_of_money_is_recognised(question, money):
    from assistant.language import asks_money

    assert asks_money(question) is money


def test_a_sum_is_stated_with_its_currency():
    from assistant.language import states_money

    assert states_money("Ein Vertrag über die Lieferung von Anhängern im Wert von 1,3 Millionen Dollar.")
    assert states_money("Die Produktion stieg auf 222,6 Millionen Br.")
    assert not states_money("Der größte Schweinezuchtkomplex in Belarus für 300.000 Tiere.")


# Written for these tests from the text, not taken from eval/: the documents give the tractors the Kostanai
# assembly line is built for (1200), the Chinese university founded in 1898, what the first Mogilevkhimvolokno
# plants cost; they do not give the plant's engineers, the cost of the pig farming complex (only its 300,000
# animals) or when the engine and radiator building is built (only that it is the next step).
@pytest.mark.parametrize("question", [
    "Wie viele Ingenieure arbeiten im Montagewerk in Kostanai?",  # the counted noun is in no passage answered from
    "Wie viel kostet der Schweinezuchtkomplex für 300.000 Tiere?",  # a sum of money, answered with animals
    "How much does the pig farming complex in the Minsk region cost?",
    "Wann wurde das Gebäude für Motoren und Kühler in Kostanai gebaut?",  # the event is not the dated sentence's
    "In welchem Jahr wird die zweite Stufe in Kokshetau eröffnet?",
    # The park's documents give a lease's floor space ('Mietvertrag für ein 5,5 …'), never a rent.
    "Wie hoch ist die Miete im Industriepark Great Stone?",
    # Written for these tests from the text: the documents give no tax rate of the park's residents, no price of a
    # tractor, no tonnage of the Kostanai cabin workshop (only that it makes cabins), no number of students at
    # Huzhou University (only its history; the count beside it is Tsinghua's) and not when Great Stone was founded;
    # they give the localisation rate of the Jizzakh car plant, the value of machine parts delivered to China,
    # Heprotrade's tonnes per month, Tsinghua's students and when the Jizzak zone was set up.
    "Wie hoch ist der Mehrwertsteuersatz für die Residenten des Industrieparks Great Stone?",
    "Zu welchem Preis wird ein Traktor MTZ-80 in Kasachstan verkauft?",
    "What is the capacity in tonnes of the tractor cabin workshop in Kostanai?",
    "Wie viele Studenten sind an der Huzhou-Universität eingeschrieben?",
    "When was the Great Stone industrial park established?",  # its dates are of other events
    # The documents give the tractor plant's deliveries to the Tractor Trading House for 2018 only, and no cost of
    # the Belarusian quarter in Astana: the closest sum is the trade volume of 2014.
    "Wie viele Fahrzeuge lieferte das Minsker Traktorenwerk 2010 an das Tractor Trading House?",  # dated 2018
    "How much will the Belarusian quarter in Astana cost?",  # a cost, answered with a trade volume
    # Nor do they give its area, nor the staff of the MAZ trading house or of the Minsk motor plant: the closest
    # sentences state the trade volume, the trading house's dealers and the region's tractors.
    "Какова площадь белорусского квартала, который планируется построить в Астане?",
    "How many people work at the MAZ trading house in Astana?",
    "Сколько человек работает на Минском моторном заводе?",
    # 'Wie viel investiert …?' asks for a sum, whatever it names: the documents say what Baimen and the Slutsk
    # cheese factory want to make in Shenyang, not what they invest; nor what the drone project is worth.
    "Wie viel investieren Baimen und die Käserei Sluzk in ihr gemeinsames Werk in Shenyang?",
    "Во сколько оценивается совместный белорусско-казахстанский проект по производству беспилотников?",
])
def test_near_miss_of_the_asked_fact_is_refused_with_the_closest_passages(client, question):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert body["passages"]  # the closest passages are still shown


@pytest.mark.parametrize(("question", "fact"), [
    ("Für wie viele Traktoren ist die Montagelinie in Kostanai ausgelegt?", "1200 Traktoren"),
    ("Wie viel kostet die erste Anlage auf der Grundlage von Mogilevkhimvolokno?", "450"),
    ("How much are the investments in the Mogilevkhimvolokno plants?", "700 Millionen Dollar"),
    ("In welchem Jahr wurde die Peking-Universität gegründet?", "1898"),
    # A regression of the glossary: 'car' and 'plant' become 'Autos', 'Werk', … and the reader quotes the
    # Volkswagen sentence before it, which the rate check refuses. Strict: it reports when it passes again.
    pytest.param("What percentage of localisation is the Jizzakh car plant to reach?", "30 %",
                 marks=pytest.mark.xfail(strict=True, reason="the glossary's words lead the reader to a neighbour")),
    ("Zu welchem Preis wurden 2016 Maschinenteile in die VR China geliefert?", "2,6 Millionen US-Dollar"),
    ("Wie viele Tonnen Thermopapier will Heprotrade im Monat herstellen?", "300 Tonnen"),
    ("Wie viele Studenten sind an der Tsinghua-Universität eingeschrieben?", "53 Tausend"),
    ("Wie viele Firmen haben sich im Teilpark für LED-Produkte angesiedelt?", "15 Unternehmen"),
    ("When was the free economic zone Jizzak in Uzbekistan set up?", "März 2013"),
    ("Wie viele Fahrzeuge liefert das Minsker Traktorenwerk 2018 an das Tractor Trading House?", "zweitausend"),
    ("And how much would the two plants based on Mogilevkhimvolokno cost?", "Millionen"),
])
def test_answerable_twin_of_a_near_miss_is_answered(client, question, fact):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is True and fact in body["answer"]


def test_paraphrase_matching_one_sentence_closely_is_not_off_topic(engine):
    # Written from the corpus in other words ('Höchstgeschwindigkeit', 'Tragfähigkeit'): the passage as a whole is
    # below the German cosine floor, the sentence that states both values is far above the off-topic questions.
    from assistant.answerability import MIN_COSINE, MIN_SENTENCE_COSINE

    question = "Wie schnell fährt das Elektromotorrad höchstens und wie viel kann es tragen?"
    vector = engine.embedder.embed_queries([question])[0]
    assert float((engine.index.vectors @ vector).max()) < MIN_COSINE["de"]
    assert engine.index.sentence_vectors is not None
    assert float((engine.index.sentence_vectors @ vector).max()) >= MIN_SENTENCE_COSINE["de"]
    result = engine.search(question, k=5)
    assert result.answerable and result.reason == "answerable"


@pytest.mark.parametrize("text", ["ja klar", "na gut"])
def test_a_reply_of_two_words_is_not_admitted_by_a_close_sentence(engine, text):
    # 'ja klar' is as close to some short sentence as a paraphrase is to its answer; it asks nothing.
    result = engine.search(text, k=5)
    assert not result.answerable and result.reason == "off-topic"


@pytest.mark.parametrize(("question", "years"), [
    ("Wie hoch war der Handelsumsatz im Jahr 2015?", ["2015"]),
    ("Каким был товарооборот в 2016-м году?", ["2016"]),
    ("Wie stark wuchs der Handel in der zweiten Hälfte der 2000er Jahre?", []),  # a decade names no year
    ("How much did trade grow in the 2000s?", []),
    ("Как рос товарооборот в 2000-х годах?", []),
    ("Как рос товарооборот в 2000-ых годах?", []),
])
def test_asked_years_are_years_not_decades(question, years):
    from assistant.answerability import asked_years

    assert asked_years(question) == years


def test_the_asked_year_may_stand_in_a_passage_below_the_fifth(engine):
    """The Great Stone residents' output growth in the first three quarters of 2021 is stated in a passage that ranks
    6th for the English question without its year: the year check reads the best seven."""
    result = engine.search("By how much did industrial output of the Great Stone residents grow in the first three "
                           "quarters of 2021?", k=5)
    assert result.reason != "year-missing"


def test_a_question_about_a_decade_is_not_refused_for_a_missing_year(engine):
    # Written from the text ('… zwischen 2005 und 2010 um mehr als das Vierfache gestiegen …'): no passage writes
    # '2000', the decade the question names.
    result = engine.search("Wie stark wuchs der Handel zwischen Belarus und Kasachstan in der zweiten Hälfte der "
                           "2000er Jahre?", k=5)
    assert result.answerable and result.reason == "answerable"


def test_the_year_of_a_passage_may_stand_in_the_passage_before_it(engine):
    """A passage that gives only a month ('Ende Dezember …') is dated by the year the passage before it names: the
    year check reads both. Without the passage before, the same passage alone is a year-missing near miss."""
    from assistant.answerability import Answerability
    from assistant.retrieval import Hit

    gate = next(stage for stage in engine.stages if isinstance(stage, Answerability))
    passages = engine.index.passages
    i = next(i for i, p in enumerate(passages) if i and "2021" not in p.text and "2021" in passages[i - 1].text
             and passages[i - 1].doc_id == p.doc_id)
    dense = np.full(len(passages), 0.5, dtype=np.float32)
    dense[i] = 0.95
    lexical = np.zeros(len(passages), dtype=np.float32)
    hits = [Hit(passages[i], 1, 1.0)]
    question = "Was geschah dort im Jahr 2021?"
    alone = gate.decide(question, "de", hits, dense, lexical, lexical_weight=1.0, years=["2021"])
    dated = gate.decide(question, "de", hits, dense, lexical, lexical_weight=1.0, years=["2021"],
                        dated_by=[passages[i - 1].text])
    assert alone.reason == "year-missing" and dated.reason != "year-missing"


def test_a_count_of_another_noun_is_no_answer_to_a_follow_up_count(client):
    # Found on the page: the plant's sales and units ('… mehr als 3,7 Tausend Einheiten …') were quoted for its
    # employees, which the documents do not count.
    session = None
    for message in ("Welche belarussischen Unternehmen montieren Traktoren in Kasachstan?",
                    "Wie viele Maschinen wurden dort 2019 produziert?", "Wie viele Mitarbeiter hat das Werk?"):
        body = client.post("/chat", json={"message": message, **({"session_id": session} if session else {})}).json()
        session = body["session_id"]
    assert body["answerable"] is False


@pytest.mark.parametrize(("question", "office"), [
    ("Wer leitet das Institut?", True),
    ("Who is the rector of the university?", True),
    ("Кто возглавляет министерство?", True),
    ("Как зовут посла Беларуси в Китае?", True),
    ("Wer waren die Investoren des Unternehmens?", False),  # asks for companies
    ("Кто был инвестором с белорусской стороны?", False),
    ("Wer ist der Direktor?", True),
    ("Welcher Direktor unterzeichnete?", False),  # not a 'who' question: 'welcher' asks for a kind
    ("Wer führt Kalidünger nach China aus?", False),  # a separable verb, no office (found in review)
    ("Who heads the list of exporters?", False),
])
def test_a_question_for_an_office_holder_is_recognised(question, office):
    from assistant.language import asks_office_holder

    assert asks_office_holder(question) is office


@pytest.mark.parametrize(("sentence", "person"), [
    ("Während des Besuchs von Akim B. Abischew aus der Region Karaganda …", True),  # initials
    ("Präsident Nasarbajew betonte, neue Industrien zu entwickeln.", True),  # the office
    ("Der belarussische Premierminister reiste nach Astana.", True),  # an office inside a compound
    ("Die BSTU unterzeichnete ein Kooperationsabkommen mit dem Kunshan Institute.", False),
    ("Das Ministerium für Landwirtschaft und Ernährung", False),  # a ministry is no person
    ("Die Eurasische Nationale Universität L.N. Gumilev wurde ausgewählt.", False),  # named after a person
])
def test_a_sentence_speaks_of_a_person_by_initials_or_office(sentence, person):
    from assistant.language import states_person

    assert states_person(sentence) is person


# Written for these tests from the text: the documents name the akim of the Karaganda region who visited Belarus
# in April 2013 ('Akim B. Abischew'), but no head of the Belarusian State Technological University.
@pytest.mark.parametrize("question", [
    "Wer leitet die Belarussische Staatliche Technologische Universität?",
    "Who is the rector of the L.N. Gumilev Eurasian National University?",  # the university bears a person's name
])
def test_a_question_for_an_office_holder_the_text_does_not_name_is_refused(client, question):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is False and body["citations"] == [] and body["passages"]


def test_a_question_for_an_office_holder_the_text_names_is_answered(client):
    body = client.post("/chat", json={"message": "Wer war der Akim der Region Karaganda, der im April 2013 Belarus "
                                                 "besuchte?"}).json()
    assert body["answerable"] is True and "Abischew" in body["answer"]


@pytest.mark.parametrize(("text", "term", "found"), [
    ("Heute sind im Teilpark bereits 15 Unternehmen ansässig.", "Firmen", True),  # a synonym of the counted kind
    ("Anfang 2013 wurden bereits 13 Projekte umgesetzt.", "Vorhaben", True),
    ("Es gibt 560 direkte Kooperationsvereinbarungen.", "Partnerschaftsverträge", True),  # the compound's head
    ("Heute sind im Teilpark bereits 15 Unternehmen ansässig.", "Mitarbeiter", False),
])
def test_a_counted_noun_may_be_written_with_a_synonym_of_its_kind(text, term, found):
    from assistant.answerability import mentions

    assert mentions(text, term) is found


@pytest.mark.parametrize(("question", "rate", "price", "units"), [
    ("Wie hoch ist der Zinssatz der Kredite?", True, False, []),
    ("Welchen Körperschaftsteuersatz zahlen die Residenten?", True, False, []),
    ("Wie hoch war der Handelsumsatz im Jahr 2016?", False, False, []),  # 'Umsatz' is no rate
    ("Zu welchem Preis wird der Mähdrescher verkauft?", False, True, []),
    ("What price will the vans sell for?", False, True, []),
    ("What is the annual capacity in tonnes of the plant?", False, False, ["tonnen"]),
    ("Сколько гектаров выделили под технопарк?", False, False, ["hektar"]),
    ("Какова площадь белорусского квартала?", False, False, ["fläche"]),
    ("Welche Fläche umfasst die erste Phase?", False, False, ["fläche"]),
    ("Which areas does the agreement cover?", False, False, []),  # fields of work, not a size
    ("How many people live in the area around Changchun?", False, False, []),  # a place, not a size
    ("How large is the total area of the park?", False, False, ["fläche"]),
    ("Где расположена промышленная площадка?", False, False, []),  # a site
    ("How many people work at the plant?", False, False, ["personal"]),
    ("Сколько человек работает на заводе?", False, False, ["personal"]),
    ("Сколько компаний работает в парке?", False, False, []),  # companies, not a workforce
])
def test_a_rate_a_price_and_a_unit_are_recognised(question, rate, price, units):
    from assistant.language import asked_units, asks_price, asks_rate

    assert asks_rate(question) is rate and asks_price(question) is price and asked_units(question) == units


@pytest.mark.parametrize(("question", "stem"), [
    ("When was the Jizzak zone set up?", "eingerichtet"),
    ("Когда было открыто представительство?", "eröffn"),
    ("When did they sign the agreement?", "unterzeichn"),
    ("Wann wurde der Park gegründet?", None),  # German: the participle itself is looked for (asked_term)
    ("Who founded the park?", None),  # asks for no date
])
def test_the_event_of_an_english_or_russian_date_question_is_named_in_german(question, stem):
    from assistant.language import asked_event

    assert (stem in asked_event(question)) if stem else asked_event(question) == ()


# Written for these tests from the text. The Russian question scores 0.797 with its best passage, below the former
# Russian floor (0.815) and far above the off-topic Russian questions (≤ 0.783); its passage names the 86th resident.
def test_a_russian_question_between_the_off_topic_and_the_former_floor_is_answered(client, engine):
    from assistant.answerability import MIN_COSINE

    question = "Какое предприятие стало 86-м резидентом «Великого камня»?"
    vector = engine.embedder.embed_queries([question])[0]
    assert MIN_COSINE["ru"] <= float((engine.index.vectors @ vector).max()) < 0.815
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is True and "Der 86. Bewohner" in body["answer"]


@pytest.mark.parametrize(("question", "cost"), [
    ("Wie viel kostet eine Packung davon?", True),
    ("Сколько будет стоить строительство завода?", True),
    ("How much did the plant cost?", True),
    ("Wie viel kosteten die Exporte nach China?", False),  # names trade: its value is the answer
    ("Wie viel wurde in den Park investiert?", False),  # an investment, not a price
])
def test_a_cost_question_is_told_from_one_about_trade(question, cost):
    from assistant.language import asks_cost

    assert asks_cost(question) is cost


@pytest.mark.parametrize(("sentence", "trade"), [
    ("Das Volumen des Handels betrug 966,8 Millionen US-Dollar.", True),
    ("Der Wert der gelieferten Maschinenteile betrug 2,6 Mio. USD.", True),
    ("Die erste Anlage soll 450 Millionen Dollar kosten.", False),
])
def test_a_sum_of_trade_is_recognised(sentence, trade):
    from assistant.language import states_trade

    assert states_trade(sentence) is trade


@pytest.mark.parametrize(("question", "fact"), [
    # 'Die Produktionskapazität wird bis zu 300 Tonnen pro Monat betragen' follows the sentence naming the
    # Thermopapier: read together, the count leans on the counted noun.
    ("Wie viel Thermopapier kann Heprotrade pro Monat produzieren?", "300 Tonnen"),
    # The asker's word is the documents' word nearby ('Vereinigungen', 'Autos'), while the passage that answers
    # says 'Strukturen', 'Modelle': the word is looked for in the best retrieved passages too.
    ("In wie vielen Vereinigungen sind die Belarussen in Kasachstan organisiert?", "zwölf"),
    ("Wie viele Autos pro Jahr soll ADM Jizzakh in der Zone Dschisak bauen?", "100.000"),
    # The counted noun in words the documents use elsewhere, stated under another ('Arbeitsplätze', 'Strukturen'):
    # the sentence leans on it, while the town's inhabitants are counted nowhere.
    ("Wie viele Stellen schafft der Technologiepark in Kokshetau, wenn die zweite Stufe läuft?", "230"),
    ("In wie viele Organisationen haben sich die Belarussen in Kasachstan zusammengeschlossen?", "zwölf"),
    ("Wie viele Einwohner hat die Stadt Kokshetau, wo der Technologiepark gebaut wird?", None),
    # Staff is counted nowhere near these plants.
    ("Wie viele Mitarbeiter hat das Mähdrescherwerk von Gomselmash in Kostanai?", None),
    ("Wie viele Mitarbeiter hat das Montagewerk des Minsker Traktorenwerks in Kostanai?", None),
])
def test_a_german_count_is_answered_where_its_counted_noun_is_near(client, question, fact):
    body = client.post("/chat", json={"message": question}).json()
    assert body["answerable"] is (fact is not None)
    if fact is not None:
        assert fact in body["answer"]

