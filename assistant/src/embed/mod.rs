//! Sentence embeddings: the [`Embedder`] contract, the in-process MiniLM model
//! ([`minilm`], its BERT forward pass in [`encoder`]) and an OpenAI-compatible endpoint
//! ([`remote`]). Every vector is L2-normalised and has [`DIMENSIONS`] components, so
//! cosine similarity is a dot product.

pub mod encoder;
pub mod minilm;
pub mod remote;

use super::settings::AssistantSettings;
use std::{sync::Arc, time::Instant};

/// Dimensions of every embedding (all-MiniLM-L6-v2).
pub const DIMENSIONS: usize = 384;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("loading the embedding model: {0:#}")]
    Load(anyhow::Error),
    #[error("computing embeddings: {0:#}")]
    Compute(anyhow::Error),
}

/// Turns texts into unit vectors of [`DIMENSIONS`] components, one per text, in order.
#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    /// A stable name of the model, stored with each vector (a change needs a re-index).
    fn model(&self) -> &str;

    /// Embeds a batch of texts.
    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Embeds one text, with metrics (`assistant_embed_duration_seconds`, `assistant_embedded_texts_total`).
pub async fn embed_one(embedder: &dyn Embedder, text: &str) -> Result<Vec<f32>, EmbedError> {
    let mut vectors = embed(embedder, &[text.to_owned()]).await?;
    vectors.pop().ok_or_else(|| EmbedError::Compute(anyhow::anyhow!("the embedder returned no vector")))
}

/// Embeds a batch with metrics and checks the embedder kept its contract.
pub async fn embed(embedder: &dyn Embedder, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
    let started = Instant::now();
    let result = embedder.embed_batch(texts).await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::histogram!("assistant_embed_duration_seconds", "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    let vectors = result?;
    metrics::counter!("assistant_embedded_texts_total").increment(texts.len() as u64);
    if vectors.len() != texts.len() || vectors.iter().any(|v| v.len() != DIMENSIONS) {
        return Err(EmbedError::Compute(anyhow::anyhow!(
            "expected {} vectors of {DIMENSIONS} dimensions, got {} (of {:?})",
            texts.len(),
            vectors.len(),
            vectors.first().map(Vec::len)
        )));
    }
    Ok(vectors)
}

/// Scales `vector` to unit length (a zero vector stays zero).
pub fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The embedder the settings ask for: the OpenAI-compatible endpoint when
/// `EMBEDDINGS_URL` is set, otherwise MiniLM from `EMBEDDING_MODEL_DIR`.
pub fn from_settings(settings: &AssistantSettings) -> Result<Arc<dyn Embedder>, EmbedError> {
    match &settings.embeddings_url {
        Some(url) => Ok(Arc::new(remote::RemoteEmbedder::new(
            url,
            &settings.embedding_model,
            settings.openai_api_key.clone(),
        )?)),
        None => Ok(Arc::new(minilm::MiniLm::load(
            &settings.embedding_model_dir,
            settings.embedding_threads as usize,
            settings.embedding_max_tokens as usize,
        )?)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalise_gives_unit_length() {
        let mut v = vec![3.0, 4.0];
        super::normalise(&mut v);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        let mut zero = vec![0.0; 3];
        super::normalise(&mut zero);
        assert_eq!(zero, vec![0.0; 3]);
    }
}
