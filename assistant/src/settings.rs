//! Settings of the shopping assistant: where embeddings come from, where vectors live and
//! which chat endpoint (if any) writes explanations. Shared by the API and the worker.

use clap::{Args, ValueEnum};
use shopfleet_env_names as env_names;
use shopfleet_platform::{
    config::{SettingError, Validate},
    secret::Secret,
};
use std::{path::PathBuf, time::Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VectorBackend {
    /// Qdrant's embedded engine (qdrant-edge) under DATA_DIR, kept in sync from Postgres.
    Embedded,
    /// A Qdrant server at QDRANT_URL.
    Qdrant,
}

#[derive(Debug, Clone, Args)]
pub struct AssistantSettings {
    /// Where product vectors are searched: `embedded` (in-process qdrant-edge) or `qdrant` (a server).
    #[arg(long, env = env_names::VECTOR_BACKEND, value_enum, default_value = "embedded")]
    pub vector_backend: VectorBackend,
    /// Qdrant server URL (gRPC port, e.g. http://qdrant:6334); used with VECTOR_BACKEND=qdrant.
    #[arg(long, env = env_names::QDRANT_URL)]
    pub qdrant_url: Option<String>,
    /// API key of the Qdrant server.
    #[arg(long, env = env_names::QDRANT_API_KEY, hide_env_values = true)]
    pub qdrant_api_key: Option<Secret>,
    /// Name of this shop's vector collection.
    #[arg(long, env = env_names::VECTOR_COLLECTION, default_value = "products")]
    pub vector_collection: String,
    /// Kilobytes of vectors (about 1.5 per product) a segment of the embedded index holds
    /// before it gets an HNSW index; below it, search is exhaustive. Qdrant's default.
    #[arg(long, env = env_names::VECTOR_INDEXING_THRESHOLD_KB, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub vector_indexing_threshold_kb: u64,
    /// Directory for local state: the embedded vector index lives in `<DATA_DIR>/vectors`.
    #[arg(long, env = env_names::DATA_DIR, default_value = ".dev/data")]
    pub data_dir: PathBuf,
    /// Directory holding all-MiniLM-L6-v2 (model.safetensors, config.json, tokenizer.json).
    #[arg(long, env = env_names::EMBEDDING_MODEL_DIR, default_value = "models/all-MiniLM-L6-v2")]
    pub embedding_model_dir: PathBuf,
    /// OpenAI-compatible embeddings endpoint (e.g. https://api.openai.com/v1); unset: in-process MiniLM.
    #[arg(long, env = env_names::EMBEDDINGS_URL)]
    pub embeddings_url: Option<String>,
    /// Model asked of EMBEDDINGS_URL; its vectors must have 384 dimensions.
    #[arg(long, env = env_names::EMBEDDING_MODEL, default_value = "all-MiniLM-L6-v2")]
    pub embedding_model: String,
    /// The in-process embedder's own threads: how many forward passes run at once.
    #[arg(long, env = env_names::EMBEDDING_THREADS, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub embedding_threads: u32,
    /// The longest text the in-process model reads, in tokens; longer texts are cut. A
    /// product's text ends with its description, so a budget cuts the description's tail
    /// first. Fewer tokens embed faster (re-indexing time is about proportional).
    #[arg(long, env = env_names::EMBEDDING_MAX_TOKENS, default_value_t = 256, value_parser = clap::value_parser!(u32).range(16..=256))]
    pub embedding_max_tokens: u32,
    /// OpenAI-compatible chat endpoint for explanations (e.g. https://api.openai.com/v1); unset: deterministic text.
    #[arg(long, env = env_names::OPENAI_BASE_URL)]
    pub openai_base_url: Option<String>,
    /// Chat model for explanations and answers.
    #[arg(long, env = env_names::OPENAI_MODEL, default_value = "gpt-4o-mini")]
    pub openai_model: String,
    /// API key for OPENAI_BASE_URL and EMBEDDINGS_URL.
    #[arg(long, env = env_names::OPENAI_API_KEY, hide_env_values = true)]
    pub openai_api_key: Option<Secret>,
    /// Milliseconds a chat completion may take before the deterministic text is used instead.
    #[arg(long, env = env_names::LLM_TIMEOUT_MS, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(50..=120_000))]
    pub llm_timeout_ms: u64,
}

impl AssistantSettings {
    pub fn llm_timeout(&self) -> Duration {
        Duration::from_millis(self.llm_timeout_ms)
    }

    /// `<DATA_DIR>/vectors/<collection>`: the embedded index of this process.
    pub fn vector_dir(&self) -> PathBuf {
        self.data_dir.join("vectors").join(&self.vector_collection)
    }
}

fn check_http_url(setting: &'static str, value: &Option<String>) -> Result<(), SettingError> {
    if let Some(value) = value {
        let ok = url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(SettingError::new(setting, format!("`{value}` is not an http(s) URL")));
        }
    }
    Ok(())
}

impl Validate for AssistantSettings {
    fn validate(&self) -> Result<(), SettingError> {
        check_http_url(env_names::QDRANT_URL, &self.qdrant_url)?;
        check_http_url(env_names::EMBEDDINGS_URL, &self.embeddings_url)?;
        check_http_url(env_names::OPENAI_BASE_URL, &self.openai_base_url)?;
        if self.vector_backend == VectorBackend::Qdrant && self.qdrant_url.is_none() {
            return Err(SettingError::new(env_names::QDRANT_URL, "is required with VECTOR_BACKEND=qdrant"));
        }
        let ok = !self.vector_collection.is_empty()
            && self.vector_collection.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(SettingError::new(
                env_names::VECTOR_COLLECTION,
                "must be letters, digits, `-` or `_`",
            ));
        }
        if self.embeddings_url.is_none() && !self.embedding_model_dir.join("model.safetensors").is_file() {
            return Err(SettingError::new(
                env_names::EMBEDDING_MODEL_DIR,
                format!(
                    "{} does not hold model.safetensors (scripts/dev/prereqs.sh fetches all-MiniLM-L6-v2, or set EMBEDDINGS_URL)",
                    self.embedding_model_dir.display()
                ),
            ));
        }
        Ok(())
    }
}
