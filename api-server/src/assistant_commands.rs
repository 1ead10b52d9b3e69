//! `shopfleet-api reindex-vectors` and `shopfleet-api eval-assistant`.

use crate::config::ApiSettings;
use shopfleet_assistant::{eval, indexer::Indexer, settings::VectorBackend, Assistant};
use shopfleet_platform::{config::Validate, db};

/// Recomputes every published product's vector into `product_embeddings` (and the Qdrant
/// server, with that backend); embedded indexes pick the rows up from there. A re-index
/// is a batch job, so it embeds on at least one thread per CPU.
pub async fn reindex(mut settings: ApiSettings, force: bool) -> anyhow::Result<()> {
    settings.database.validate()?;
    settings.assistant.validate()?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    settings.assistant.embedding_threads = settings.assistant.embedding_threads.max(cpus);
    let pool = db::connect_lazy(&settings.database)?;
    let embedded = Indexer::from_settings(&settings.assistant)?.reindex_all(&pool, force).await?;
    tracing::info!(embedded, "product vectors re-indexed");
    println!("{embedded} products embedded");
    Ok(())
}

/// Prints a Markdown table of nDCG@10 and recall@10 per retrieval mode.
pub async fn evaluate(settings: ApiSettings) -> anyhow::Result<()> {
    settings.database.validate()?;
    let mut assistant_settings = settings.assistant.clone();
    assistant_settings.validate()?;
    // A private embedded index, rebuilt from Postgres on each run, so a running server's
    // index is untouched (it stays on disk afterwards: the shard flushes as the process ends).
    if assistant_settings.vector_backend == VectorBackend::Embedded {
        let scratch = assistant_settings.data_dir.join("eval");
        let _ = std::fs::remove_dir_all(&scratch);
        assistant_settings.data_dir = scratch;
    }
    let pool = db::connect_lazy(&settings.database)?;
    let assistant = Assistant::open(pool, &assistant_settings).await?;
    let queries = eval::parse(eval::QUERIES)?;
    let scores = eval::run(&assistant.retriever, &queries).await;
    println!("{} labelled queries, k = {}\n", queries.len(), eval::K);
    println!("| retrieval | nDCG@10 | recall@10 |\n| --- | --- | --- |");
    for score in scores? {
        println!("| {} | {:.3} | {:.3} |", score.mode, score.ndcg, score.recall);
    }
    Ok(())
}
