//! The `email` handler: for each notification event, renders its template for the
//! user the event names (the shopper, or the merchant for low-stock alerts) and queues the mail in `mail_outbox` in the handler's
//! transaction, so an event produces exactly one mail however often it is delivered.

use super::templates::Templates;
use anyhow::anyhow;
use serde::Serialize;
use shopfleet_commerce::{
    accounts::users::{self, User},
    events::{Envelope, EventType, Handler, HandlerError},
    mail_outbox::{self, NewMail},
};
use shopfleet_domain::DomainError;
use sqlx::PgConnection;
use uuid::Uuid;

/// The mail a notification event sends.
struct Notification {
    template: &'static str,
    /// The payload field holding the recipient's user id.
    recipient_field: &'static str,
}

/// Which template each notification event uses, and who receives it.
fn notification_for(event: &Envelope) -> Option<Notification> {
    let (template, recipient_field) = match EventType::parse(&event.event_type)? {
        EventType::UserRegistered => ("welcome", "user_id"),
        EventType::StockLow => ("low_stock", "merchant_id"),
        EventType::OrderPlaced => ("order_received", "user_id"),
        EventType::OrderCancelled => ("order_cancelled", "user_id"),
        EventType::OrderPaid => ("order_confirmed", "user_id"),
        EventType::PaymentFailed => ("payment_failed", "user_id"),
        EventType::OrderShipped => ("order_shipped", "user_id"),
        EventType::PaymentRefunded => ("order_refunded", "user_id"),
        _ => return None,
    };
    Some(Notification { template, recipient_field })
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
        notification_for(event).is_some()
    }

    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError> {
        let Notification { template, recipient_field } =
            notification_for(event).ok_or_else(|| HandlerError::Permanent(anyhow!("not a notification")))?;
        let user_id: Uuid = event
            .data
            .get(recipient_field)
            .and_then(|id| id.as_str())
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| HandlerError::Permanent(anyhow!("notification without a {recipient_field}")))?;
        let User { email, display_name, .. } = match users::get(&mut *tx, user_id).await {
            Ok(user) => user,
            Err(DomainError::NotFound(_)) => {
                tracing::info!(%user_id, event_id = %event.id, "no mail: the user no longer exists");
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        };
        let name = display_name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
        let context =
            serde_json::json!({ "user": Recipient { name, email: email.clone() }, "data": event.data });
        let rendered = self
            .templates
            .render(template, &context)
            .map_err(|err| HandlerError::Permanent(anyhow!("rendering {template}: {err}")))?;
        let mail = NewMail {
            event: event.id,
            template,
            recipient: &email,
            subject: &rendered.subject,
            body_text: &rendered.text,
            body_html: &rendered.html,
        };
        Ok(mail_outbox::queue(tx, &mail).await?)
    }
}
