//! Where mail goes: an SMTP server (`SMTP_URL`) or, in development, one `.eml` file per
//! mail under `MAIL_DIR`, named by the mail's id (a resend overwrites, never duplicates).
//! Every message carries `Message-ID: <mail id@shopfleet>` so a receiver can de-duplicate
//! the rare resend after a crash.

use super::settings::MailSettings;
use anyhow::Context;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use shopfleet_commerce::mail_outbox::OutgoingMail;
use std::path::PathBuf;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    /// The configured transport, or `None` when mail is off (neither SMTP nor a mail dir).
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Option<Transport>> {
        if let Some(url) = &settings.smtp_url {
            let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                .map_err(|err| anyhow::anyhow!("SMTP_URL: {err}"))?
                .build();
            return Ok(Some(Transport::Smtp(smtp)));
        }
        Ok(settings.mail_dir.clone().map(Transport::Files))
    }

    pub async fn send(&self, from: &Mailbox, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build(from, mail).map_err(SendError::Permanent)?;
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|err| {
                    let permanent = err.is_permanent();
                    let err = anyhow::Error::from(err).context("SMTP delivery");
                    if permanent {
                        SendError::Permanent(err)
                    } else {
                        SendError::Transient(err)
                    }
                })?;
            }
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("creating {}", dir.display()))?;
                let path = dir.join(format!("{}.eml", mail.id));
                let partial = dir.join(format!(".{}.eml.partial", mail.id));
                tokio::fs::write(&partial, message.formatted()).await.context("writing a mail file")?;
                tokio::fs::rename(&partial, &path).await.context("writing a mail file")?;
            }
        }
        Ok(())
    }
}

/// Why a mail was not delivered, and so whether to try again.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// It can never be delivered as it is (a malformed recipient, an SMTP 5xx answer).
    #[error("{0:#}")]
    Permanent(anyhow::Error),
    /// It may go through later (a server down, a full disk, an SMTP 4xx answer).
    #[error("{0:#}")]
    Transient(#[from] anyhow::Error),
}

fn build(from: &Mailbox, mail: &OutgoingMail) -> anyhow::Result<Message> {
    let to: Mailbox =
        mail.recipient.parse().with_context(|| format!("mail {} has a bad recipient", mail.id))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(format!("<{}@shopfleet>", mail.id)))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.body_text.clone()),
                )
                .singlepart(
                    SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.body_html.clone()),
                ),
        )
        .context("building a mail")
}
