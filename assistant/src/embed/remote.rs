//! An OpenAI-compatible embeddings endpoint (`POST {EMBEDDINGS_URL}/embeddings`) behind
//! the [`Embedder`] contract: the returned vectors are put back in input order and normalised.

use super::{normalise, EmbedError, Embedder};
use serde::Deserialize;
use shopfleet_platform::secret::Secret;
use std::time::Duration;

/// Texts per request.
const MAX_BATCH: usize = 256;

pub struct RemoteEmbedder {
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<Secret>,
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

impl RemoteEmbedder {
    pub fn new(base_url: &str, model: &str, api_key: Option<Secret>) -> Result<Self, EmbedError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|err| EmbedError::Load(err.into()))?;
        Ok(Self {
            client,
            url: format!("{}/embeddings", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
        })
    }

    async fn request(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut request =
            self.client.post(&self.url).json(&serde_json::json!({"model": self.model, "input": texts}));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response: Response = request.send().await?.error_for_status()?.json().await?;
        let mut vectors = vec![Vec::new(); texts.len()];
        for item in response.data {
            let slot = vectors.get_mut(item.index).ok_or_else(|| {
                anyhow::anyhow!("the endpoint answered index {} for {} inputs", item.index, texts.len())
            })?;
            *slot = item.embedding;
        }
        vectors.iter_mut().for_each(|v| normalise(v));
        Ok(vectors)
    }
}

#[async_trait::async_trait]
impl Embedder for RemoteEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(MAX_BATCH) {
            vectors.extend(self.request(batch).await.map_err(EmbedError::Compute)?);
        }
        Ok(vectors)
    }
}
