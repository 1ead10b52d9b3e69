//! all-MiniLM-L6-v2 in-process with candle: a 6-layer BERT over WordPiece tokens, mean
//! pooled over the attention mask and L2-normalised, as sentence-transformers does.
//! Inference runs on a [`BlockingPool`], in batches of at most [`MAX_BATCH`] texts.

use super::{pool::BlockingPool, EmbedError, Embedder};
use anyhow::Context;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use std::{path::Path, sync::Arc};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Longest input in tokens (the model's `max_seq_length`); longer texts are truncated.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass; bigger batches are split.
pub const MAX_BATCH: usize = 32;

struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

pub struct MiniLm {
    model: Arc<Model>,
    pool: BlockingPool,
}

impl MiniLm {
    /// Loads `model.safetensors`, `config.json` and `tokenizer.json` from `dir`;
    /// `threads` bounds how many batches run at once.
    pub fn load(dir: &Path, threads: usize) -> Result<Self, EmbedError> {
        Self::load_model(dir)
            .map(|model| Self { model: Arc::new(model), pool: BlockingPool::new(threads) })
            .map_err(|err| EmbedError::Load(err.context(format!("model directory {}", dir.display()))))
    }

    fn load_model(dir: &Path) -> anyhow::Result<Model> {
        let config: Config =
            serde_json::from_slice(&std::fs::read(dir.join("config.json"))?).context("config.json")?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|err| anyhow::anyhow!("tokenizer.json: {err}"))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|err| anyhow::anyhow!("tokenizer truncation: {err}"))?;
        let device = Device::Cpu;
        let weights = std::fs::read(dir.join("model.safetensors")).context("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let bert = BertModel::load(vb, &config).context("BERT weights")?;
        Ok(Model { bert, tokenizer, device })
    }
}

impl Model {
    fn embed(&self, texts: Vec<String>) -> anyhow::Result<Vec<Vec<f32>>> {
        let encodings =
            self.tokenizer.encode_batch(texts, true).map_err(|err| anyhow::anyhow!("tokenizing: {err}"))?;
        let ids = encodings
            .iter()
            .map(|e| Tensor::new(e.get_ids(), &self.device))
            .collect::<Result<Vec<_>, _>>()?;
        let masks = encodings
            .iter()
            .map(|e| Tensor::new(e.get_attention_mask(), &self.device))
            .collect::<Result<Vec<_>, _>>()?;
        let input_ids = Tensor::stack(&ids, 0)?;
        let attention_mask = Tensor::stack(&masks, 0)?;
        let token_type_ids = input_ids.zeros_like()?;
        let hidden = self.bert.forward(&input_ids, &token_type_ids, Some(&attention_mask))?;
        // Mean over the real tokens only: padding is masked out of the sum and the count.
        let mask = attention_mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let mean = summed.broadcast_div(&mask.sum(1)?)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
}

#[async_trait::async_trait]
impl Embedder for MiniLm {
    fn model(&self) -> &str {
        "all-MiniLM-L6-v2"
    }

    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(MAX_BATCH) {
            let (model, batch) = (self.model.clone(), batch.to_vec());
            vectors.extend(self.pool.run(move || model.embed(batch)).await.map_err(EmbedError::Compute)?);
        }
        Ok(vectors)
    }
}
