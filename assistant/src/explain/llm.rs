//! A minimal OpenAI-compatible chat client (`POST {OPENAI_BASE_URL}/chat/completions`)
//! that asks for a JSON object and gives up after a timeout.

use shopfleet_platform::secret::Secret;
use std::time::Duration;

#[derive(Clone)]
pub struct ChatClient {
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<Secret>,
    timeout: Duration,
}

impl ChatClient {
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<Secret>,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder().timeout(timeout).build()?,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
            timeout,
        })
    }

    /// Sends `system` and `data` (serialised as the user message) and parses the reply as JSON.
    pub async fn complete_json(
        &self,
        system: &str,
        data: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let body = serde_json::json!({
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": data.to_string()},
            ],
        });
        let mut request = self.client.post(&self.url).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let reply = tokio::time::timeout(self.timeout, async {
            let reply: serde_json::Value = request.send().await?.error_for_status()?.json().await?;
            anyhow::Ok(reply)
        })
        .await
        .map_err(|_| anyhow::anyhow!("the chat endpoint did not answer within {:?}", self.timeout))??;
        let content = reply["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("the reply has no choices[0].message.content"))?;
        Ok(serde_json::from_str(content)?)
    }
}
