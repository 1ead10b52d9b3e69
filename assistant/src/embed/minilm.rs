//! all-MiniLM-L6-v2 in-process with candle: a 6-layer BERT ([`Encoder`]) over WordPiece
//! tokens, mean pooled over the attention mask and L2-normalised, as sentence-transformers
//! does.
//!
//! Inference runs on the embedder's own threads, fed by one queue: a thread takes every
//! text waiting, up to [`MAX_BATCH`], into one forward pass. So concurrent callers share
//! passes (a pass of eight shoppers' queries costs far less than eight passes), a large
//! batch is spread over every thread, and no async runtime ever runs model code. A
//! caller's texts are queued shortest first, so a pass, padded to its longest text, wastes
//! little work on padding.

use super::encoder::Encoder;
use super::{EmbedError, Embedder};
use anyhow::Context;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;
use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        mpsc, Arc, Mutex, PoisonError,
    },
};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};
use tokio::sync::oneshot;

/// Longest input in tokens the model takes (its `max_seq_length`).
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass; bigger batches are split.
pub const MAX_BATCH: usize = 32;

struct Model {
    encoder: Encoder,
    tokenizer: Tokenizer,
    device: Device,
    passes: AtomicU64,
}

/// A text waiting for a forward pass, and where its vector (or the pass's error) goes.
struct Waiting {
    text: String,
    reply: oneshot::Sender<Result<Vec<f32>, String>>,
}

pub struct MiniLm {
    model: Arc<Model>,
    queue: mpsc::Sender<Waiting>,
    name: String,
}

impl MiniLm {
    /// Loads `model.safetensors`, `config.json` and `tokenizer.json` from `dir` and starts
    /// `threads` embedding threads (at least one): how many passes run at once. They stop
    /// when the embedder is dropped. Texts are cut after `max_tokens` tokens (at most
    /// [`MAX_TOKENS`]); a shorter budget is part of the model's name, so vectors stored
    /// under another budget are re-embedded.
    pub fn load(dir: &Path, threads: usize, max_tokens: usize) -> Result<Self, EmbedError> {
        let max_tokens = max_tokens.clamp(1, MAX_TOKENS);
        let model =
            Arc::new(Self::load_model(dir, max_tokens).map_err(|err| {
                EmbedError::Load(err.context(format!("model directory {}", dir.display())))
            })?);
        let name = match max_tokens {
            MAX_TOKENS => "all-MiniLM-L6-v2".to_owned(),
            budget => format!("all-MiniLM-L6-v2/{budget}-tokens"),
        };
        let (queue, waiting) = mpsc::channel();
        let waiting = Arc::new(Mutex::new(waiting));
        let threads = threads.max(1);
        let starting = |err: &dyn std::fmt::Display| {
            EmbedError::Load(anyhow::anyhow!("starting an embedding thread: {err}"))
        };
        for n in 0..threads {
            let (model, waiting) = (model.clone(), waiting.clone());
            // With several embedding threads, each keeps its passes' matrix multiplies to
            // itself (a pool of one thread): candle would otherwise split every multiply
            // over every CPU, and the threads would contend for them (a re-index measured
            // 15 % faster so). One thread alone lets candle use every CPU for its pass.
            let own_pool = match threads {
                1 => None,
                _ => Some(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(1)
                        .thread_name(move |_| format!("embed-{n}-pass"))
                        .build()
                        .map_err(|err| starting(&err))?,
                ),
            };
            std::thread::Builder::new()
                .name(format!("embed-{n}"))
                .spawn(move || {
                    let serve = || {
                        while let Some(batch) = next_batch(&waiting) {
                            model.run(batch);
                        }
                    };
                    match own_pool {
                        Some(pool) => pool.install(serve),
                        None => serve(),
                    }
                })
                .map_err(|err| starting(&err))?;
        }
        Ok(Self { model, queue, name })
    }

    fn load_model(dir: &Path, max_tokens: usize) -> anyhow::Result<Model> {
        let config: Config =
            serde_json::from_slice(&std::fs::read(dir.join("config.json"))?).context("config.json")?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|err| anyhow::anyhow!("tokenizer.json: {err}"))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: max_tokens, ..Default::default() }))
            .map_err(|err| anyhow::anyhow!("tokenizer truncation: {err}"))?;
        let device = Device::Cpu;
        let weights = std::fs::read(dir.join("model.safetensors")).context("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let encoder = Encoder::load(vb, &config).context("BERT weights")?;
        Ok(Model { encoder, tokenizer, device, passes: AtomicU64::new(0) })
    }

    /// Forward passes run so far; each embeds up to [`MAX_BATCH`] texts.
    pub fn passes(&self) -> u64 {
        self.model.passes.load(Ordering::Relaxed)
    }

    /// How many tokens the model reads of each text ([CLS] and [SEP] included, at most
    /// the budget), for reports of work done.
    pub fn token_counts(&self, texts: &[String]) -> Vec<usize> {
        texts
            .iter()
            .map(|text| self.model.tokenizer.encode(text.as_str(), true).map_or(0, |e| e.len()))
            .collect()
    }
}

/// Blocks for the next waiting text, then takes the others already waiting, up to
/// [`MAX_BATCH`] in all; `None` once the embedder is dropped.
fn next_batch(waiting: &Mutex<mpsc::Receiver<Waiting>>) -> Option<Vec<Waiting>> {
    let waiting = waiting.lock().unwrap_or_else(PoisonError::into_inner);
    let mut batch = vec![waiting.recv().ok()?];
    while batch.len() < MAX_BATCH {
        match waiting.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    metrics::gauge!("assistant_embed_queue").decrement(batch.len() as f64);
    Some(batch)
}

impl Model {
    /// One forward pass over `batch`, answering each text's caller.
    fn run(&self, batch: Vec<Waiting>) {
        let (texts, replies): (Vec<String>, Vec<_>) = batch.into_iter().map(|w| (w.text, w.reply)).unzip();
        self.passes.fetch_add(1, Ordering::Relaxed);
        let result = catch_unwind(AssertUnwindSafe(|| self.embed(texts)))
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the forward pass panicked")));
        match result {
            Ok(vectors) => {
                for (reply, vector) in replies.into_iter().zip(vectors) {
                    let _ = reply.send(Ok(vector)); // the caller may have gone
                }
            }
            Err(err) => {
                let message = format!("{err:#}");
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }

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
        let lengths: Vec<usize> = encodings
            .iter()
            .map(|e| e.get_attention_mask().iter().filter(|&&real| real == 1).count())
            .collect();
        let input_ids = Tensor::stack(&ids, 0)?;
        let attention_mask = Tensor::stack(&masks, 0)?;
        let hidden = self.encoder.forward(&input_ids, &lengths)?;
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
        &self.name
    }

    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let stopped = || EmbedError::Compute(anyhow::anyhow!("the embedding threads have stopped"));
        let mut replies: Vec<Option<oneshot::Receiver<_>>> = texts.iter().map(|_| None).collect();
        for position in order_by_length(texts) {
            let (reply, receiver) = oneshot::channel();
            metrics::gauge!("assistant_embed_queue").increment(1.0);
            self.queue.send(Waiting { text: texts[position].clone(), reply }).map_err(|_| stopped())?;
            replies[position] = Some(receiver);
        }
        let mut vectors = Vec::with_capacity(texts.len());
        for receiver in replies.into_iter().flatten() {
            let vector = receiver.await.map_err(|_| stopped())?;
            vectors.push(vector.map_err(|message| EmbedError::Compute(anyhow::anyhow!(message)))?);
        }
        Ok(vectors)
    }
}

/// Positions of `texts`, shortest first: neighbours then tokenise to similar lengths, so
/// a batch wastes little work on padding (bytes stand in for tokens, which they track).
fn order_by_length(texts: &[String]) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..texts.len()).collect();
    positions.sort_by_key(|&i| texts[i].len());
    positions
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_are_ordered_shortest_first_and_ties_keep_their_order() {
        let texts = ["ccc", "a", "bb", "d", ""].map(String::from);
        assert_eq!(super::order_by_length(&texts), vec![4, 1, 3, 2, 0]);
    }
}
