//! Which search backend a process uses (`SEARCH_BACKEND`) and how it reaches
//! Meilisearch (`MEILI_URL`, `MEILI_API_KEY`, `MEILI_INDEX_PREFIX`).

use super::{meili::MeiliSearch, postgres::PostgresSearch, SearchIndex};
use clap::{Args, ValueEnum};
use shopfleet_env_names as env_names;
use shopfleet_platform::{
    config::{SettingError, Validate},
    secret::Secret,
};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchBackend {
    /// Full text in the catalog's Postgres tables, always in step with writes.
    Postgres,
    /// A Meilisearch server, kept in step by the worker.
    Meilisearch,
}

#[derive(Debug, Clone, Args)]
pub struct SearchSettings {
    /// Search backend.
    #[arg(long = "search-backend", env = env_names::SEARCH_BACKEND, value_enum, default_value = "postgres")]
    pub backend: SearchBackend,
    /// Meilisearch URL, e.g. http://meilisearch:7700 (required with SEARCH_BACKEND=meilisearch).
    #[arg(long = "meili-url", env = env_names::MEILI_URL)]
    pub meili_url: Option<String>,
    /// Meilisearch API key.
    #[arg(long = "meili-api-key", env = env_names::MEILI_API_KEY, hide_env_values = true)]
    pub meili_api_key: Option<Secret>,
    /// Prefix of this shop's Meilisearch indexes: products live in `<prefix>_products`.
    #[arg(long = "meili-index-prefix", env = env_names::MEILI_INDEX_PREFIX, default_value = "shopfleet")]
    pub meili_index_prefix: String,
}

impl SearchSettings {
    /// The products index of this shop in Meilisearch.
    pub fn meili_index_uid(&self) -> String {
        format!("{}_products", self.meili_index_prefix)
    }

    /// The configured backend (nothing is sent to it yet).
    pub fn index(&self) -> anyhow::Result<Arc<dyn SearchIndex>> {
        let index: Arc<dyn SearchIndex> = match self.backend {
            SearchBackend::Postgres => Arc::new(PostgresSearch),
            SearchBackend::Meilisearch => {
                let url = self.meili_url.as_deref().ok_or_else(|| {
                    SettingError::new(env_names::MEILI_URL, "required with SEARCH_BACKEND=meilisearch")
                })?;
                let key = self.meili_api_key.as_ref().map(Secret::expose);
                Arc::new(MeiliSearch::new(url, key, &self.meili_index_uid())?)
            }
        };
        Ok(index)
    }
}

impl Validate for SearchSettings {
    fn validate(&self) -> Result<(), SettingError> {
        let prefix = &self.meili_index_prefix;
        let ok = !prefix.is_empty()
            && prefix.len() <= 100
            && prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(SettingError::new(
                env_names::MEILI_INDEX_PREFIX,
                "must be 1 to 100 ASCII letters, digits, '-' or '_'",
            ));
        }
        if self.backend != SearchBackend::Meilisearch {
            return Ok(());
        }
        let url = self.meili_url.as_deref().ok_or_else(|| {
            SettingError::new(env_names::MEILI_URL, "required with SEARCH_BACKEND=meilisearch")
        })?;
        let parsed = url::Url::parse(url)
            .map_err(|err| SettingError::new(env_names::MEILI_URL, format!("`{url}` is not a URL: {err}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(SettingError::new(
                env_names::MEILI_URL,
                format!("`{url}` is not an http(s) URL with a host"),
            ));
        }
        if self.meili_api_key.as_ref().is_some_and(Secret::is_empty) {
            return Err(SettingError::new(env_names::MEILI_API_KEY, "must not be empty when set"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(backend: SearchBackend, url: Option<&str>) -> SearchSettings {
        SearchSettings {
            backend,
            meili_url: url.map(str::to_owned),
            meili_api_key: Some(Secret::new("s3cr3t-key")),
            meili_index_prefix: "shop-1".into(),
        }
    }

    #[test]
    fn meilisearch_needs_an_http_url_and_postgres_does_not() {
        settings(SearchBackend::Postgres, None).validate().unwrap();
        settings(SearchBackend::Meilisearch, Some("http://127.0.0.1:7700")).validate().unwrap();
        for url in [None, Some("127.0.0.1:7700"), Some("ftp://meili:21"), Some("not a url")] {
            let err = settings(SearchBackend::Meilisearch, url).validate().unwrap_err().to_string();
            assert!(err.contains("MEILI_URL"), "{url:?}: {err}");
            assert!(!err.contains("s3cr3t"), "{err}");
        }
        let mut bad_prefix = settings(SearchBackend::Postgres, None);
        bad_prefix.meili_index_prefix = "shop one".into();
        assert!(bad_prefix.validate().unwrap_err().to_string().contains("MEILI_INDEX_PREFIX"));
        assert_eq!(settings(SearchBackend::Postgres, None).meili_index_uid(), "shop-1_products");
    }

    #[test]
    fn the_backend_follows_the_setting() {
        let postgres = settings(SearchBackend::Postgres, None).index().unwrap();
        assert_eq!(postgres.backend(), SearchBackend::Postgres);
        assert!(postgres.follows_commits());
        let meili = settings(SearchBackend::Meilisearch, Some("http://127.0.0.1:7700")).index().unwrap();
        assert_eq!(meili.backend(), SearchBackend::Meilisearch);
        assert!(!meili.follows_commits());
    }
}
