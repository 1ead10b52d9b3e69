//! The in-process MiniLM embedder against reference vectors computed once by an
//! independent implementation (scripts/assistant/reference_embeddings.py: a numpy BERT
//! forward pass over the same weights, tokenised by the Python `tokenizers` package).

use shopfleet_assistant::{
    embed::{
        self,
        minilm::{MiniLm, MAX_TOKENS},
        Embedder, DIMENSIONS,
    },
    eval,
};

fn model_dir() -> std::path::PathBuf {
    std::env::var_os("EMBEDDING_MODEL_DIR").map(Into::into).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var("HOME").unwrap())
            .join(".cache/shopfleet/models/all-MiniLM-L6-v2")
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[tokio::test]
async fn minilm_matches_the_reference_implementation() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/minilm_reference.json")).unwrap();
    let rows = fixture["sentences"].as_array().unwrap();
    assert!(rows.len() >= 5);
    let sentences: Vec<String> = rows.iter().map(|r| r["sentence"].as_str().unwrap().to_owned()).collect();
    let embedder = MiniLm::load(&model_dir(), 2, MAX_TOKENS)
        .expect("EMBEDDING_MODEL_DIR holds all-MiniLM-L6-v2 (scripts/dev/prereqs.sh)");

    // One batch (padded to the longest sentence) and one sentence at a time agree with the reference.
    let batched = embed::embed(&embedder, &sentences).await.unwrap();
    for (row, vector) in rows.iter().zip(&batched) {
        let reference: Vec<f32> =
            row["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        assert_eq!(vector.len(), DIMENSIONS);
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "normalised: {norm}");
        let similarity = cosine(vector, &reference);
        assert!(similarity >= 0.99, "{}: cosine {similarity}", row["sentence"]);
        let single = embed::embed_one(&embedder, row["sentence"].as_str().unwrap()).await.unwrap();
        assert!(cosine(&single, &reference) >= 0.99, "unpadded {}", row["sentence"]);
    }
    // Different sentences are not the same vector.
    assert!(cosine(&batched[0], &batched[1]) < 0.9);
    assert_eq!(embedder.model(), "all-MiniLM-L6-v2");
}

#[tokio::test]
async fn related_sentences_are_closer_than_unrelated_ones() {
    let embedder = MiniLm::load(&model_dir(), 1, MAX_TOKENS).unwrap();
    let texts =
        ["waterproof rain jacket", "a coat that keeps you dry", "cast iron frying pan"].map(String::from);
    let v = embedder.embed_batch(&texts).await.unwrap();
    assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]) + 0.1);
}

#[tokio::test]
async fn concurrent_callers_share_forward_passes_and_each_gets_its_own_vector() {
    let embedder = MiniLm::load(&model_dir(), 1, MAX_TOKENS).unwrap();
    // Eight shoppers' queries from the labelled evaluation set.
    let queries: Vec<String> =
        eval::parse(eval::QUERIES).unwrap().into_iter().take(8).map(|q| q.query).collect();
    let mut alone = Vec::new();
    for query in &queries {
        alone.push(embed::embed_one(&embedder, query).await.unwrap());
    }
    let before = embedder.passes();
    assert_eq!(before, queries.len() as u64, "one pass per text when they come one at a time");

    let together =
        futures::future::join_all(queries.iter().map(|query| embed::embed_one(&embedder, query))).await;
    let passes = embedder.passes() - before;
    // The thread takes the first query alone and the others queue meanwhile: a pass or two.
    assert!(passes < queries.len() as u64 / 2, "{passes} passes for {} concurrent texts", queries.len());
    for ((query, alone), together) in queries.iter().zip(&alone).zip(together) {
        let similarity = cosine(alone, &together.unwrap());
        assert!(similarity > 0.9999, "{query}: cosine {similarity} between alone and in a shared pass");
    }
}

#[tokio::test]
async fn a_token_budget_cuts_the_tail_and_names_the_model_differently() {
    let short = "wool rain jacket in navy blue".to_owned(); // six word pieces
    let long = format!("{short}, with a hood, taped seams and two zipped pockets");
    let full = MiniLm::load(&model_dir(), 1, MAX_TOKENS).unwrap();
    let budget = MiniLm::load(&model_dir(), 1, 8).unwrap(); // [CLS], six pieces, [SEP]
    assert_eq!(budget.token_counts(std::slice::from_ref(&long)), vec![8]);
    assert_eq!((full.model(), budget.model()), ("all-MiniLM-L6-v2", "all-MiniLM-L6-v2/8-tokens"));

    let cut = budget.embed_batch(&[long.clone(), short.clone()]).await.unwrap();
    assert!(cosine(&cut[0], &cut[1]) > 0.9999, "the budget reads only the first six pieces");
    let whole = full.embed_batch(&[long, short]).await.unwrap();
    assert!(cosine(&whole[0], &whole[1]) < 0.99, "without it the tail counts");
}

#[test]
fn the_fused_encoder_computes_what_candle_transformers_bert_computes() {
    use candle_core::{DType, Device, Tensor};
    use candle_nn::VarBuilder;
    use candle_transformers::models::bert::{BertModel, Config};
    use shopfleet_assistant::embed::encoder::Encoder;

    let dir = model_dir();
    let config: Config = serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu).unwrap();
    let (library, fused) =
        (BertModel::load(vb.clone(), &config).unwrap(), Encoder::load(vb, &config).unwrap());

    // Three texts of different lengths, padded with [PAD] (0) to the longest.
    let texts: [&[u32]; 3] = [
        &[101, 4010, 4542, 6598, 102],
        &[101, 1037, 5185, 2008, 7906, 2017, 4318, 1999, 1996, 4542, 1010, 1999, 6583, 102],
        &[101, 3459, 3707, 15037, 102],
    ];
    let tokens = texts.iter().map(|t| t.len()).max().unwrap();
    let padded: Vec<u32> =
        texts.iter().flat_map(|t| t.iter().copied().chain(std::iter::repeat(0)).take(tokens)).collect();
    let mask: Vec<u32> =
        texts.iter().flat_map(|t| (0..tokens).map(move |i| u32::from(i < t.len()))).collect();
    let ids = Tensor::from_vec(padded, (texts.len(), tokens), &Device::Cpu).unwrap();
    let mask = Tensor::from_vec(mask, (texts.len(), tokens), &Device::Cpu).unwrap();

    let expected =
        library.forward(&ids, &ids.zeros_like().unwrap(), Some(&mask)).unwrap().to_vec3::<f32>().unwrap();
    let lengths: Vec<usize> = texts.iter().map(|t| t.len()).collect();
    let actual = fused.forward(&ids, &lengths).unwrap().to_vec3::<f32>().unwrap();
    // Every real token's hidden state agrees; padding's rows mean nothing in either.
    let mut worst = 0f32;
    for (text, length) in lengths.iter().enumerate() {
        for token in 0..*length {
            for (a, e) in actual[text][token].iter().zip(&expected[text][token]) {
                worst = worst.max((a - e).abs());
            }
        }
    }
    assert!(worst < 2e-5, "largest difference {worst}");
    assert!(fused.forward(&ids, &[5, 15, 5]).is_err(), "a length beyond the batch's tokens is refused");
}
