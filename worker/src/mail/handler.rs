//! The `email` handler: for each notification event, renders its template for the
//! user the event names and queues the mail in `mail_outbox` in the handler's
//! transaction, so an event produces exactly one mail however often it is delivered.

use super::templates::Templates;
use anyhow::anyhow;
use serde::Serialize;
use shopfleet_commerce::events::{Envelope, EventType, Handler, HandlerError};
use sqlx::PgConnection;
use uuid::Uuid;

/// Which template each notification event uses.
fn template_for(event: &Envelope) -> Option<&'static str> {
    match EventType::parse(&event.event_type)? {
        EventType::UserRegistered => Some("welcome"),
        _ => None,
    }
}

pub struct EmailNotifications {
    pub templates: Templates,
}

#[derive(Serialize)]
struct Recipient {
    name: String,
    email: String,
}

#[async_trait::async_trait]
impl Handler for EmailNotifications {
    fn name(&self) -> &'static str {
        "email"
    }

    fn wants(&self, event: &Envelope) -> bool {
        template_for(event).is_some()
    }

    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError> {
        let template =
            template_for(event).ok_or_else(|| HandlerError::Permanent(anyhow!("not a notification")))?;
        let user_id: Uuid = event
            .data
            .get("user_id")
            .and_then(|id| id.as_str())
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| HandlerError::Permanent(anyhow!("notification without a user_id")))?;
        let user: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT email::text, display_name FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((email, display_name)) = user else {
            tracing::info!(%user_id, event_id = %event.id, "no mail: the user no longer exists");
            return Ok(());
        };
        let name = display_name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
        let context =
            serde_json::json!({ "user": Recipient { name, email: email.clone() }, "data": event.data });
        let rendered = self
            .templates
            .render(template, &context)
            .map_err(|err| HandlerError::Permanent(anyhow!("rendering {template}: {err}")))?;
        sqlx::query(
            "INSERT INTO mail_outbox (id, event_id, template, recipient, subject, body_text, body_html)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, template) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(event.id)
        .bind(template)
        .bind(&email)
        .bind(&rendered.subject)
        .bind(&rendered.text)
        .bind(&rendered.html)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
