//! Mail templates, one set per notification under `worker/templates/`: `<name>.subject`,
//! `<name>.txt` and `<name>.html` (HTML auto-escaped: product titles and names are data).

use minijinja::Environment;
use serde::Serialize;

/// Rendered mail parts.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! template_set {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".subject"), include_str!(concat!("../../templates/", $name, ".subject"))),
            (concat!($name, ".txt"), include_str!(concat!("../../templates/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../../templates/", $name, ".html"))),
        )*]
    };
}

/// Every template file, compiled into the binary.
const TEMPLATES: &[(&str, &str)] = template_set![
    "welcome",
    "low_stock",
    "order_received",
    "order_cancelled",
    "order_confirmed",
    "payment_failed",
    "order_shipped",
    "order_refunded",
];

/// `{{ amount_minor | money(currency) }}`: `3850 | money("EUR")` is `38.50 EUR`.
fn money(minor: i64, currency: String) -> String {
    let exponent =
        iso_currency::Currency::from_code(&currency).and_then(|c| c.exponent()).unwrap_or(2) as u32;
    if exponent == 0 {
        return format!("{minor} {currency}");
    }
    let scale = 10_i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let (major, fraction) = (minor.abs() / scale, minor.abs() % scale);
    format!("{sign}{major}.{fraction:0width$} {currency}", width = exponent as usize)
}

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("money", money);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|err| panic!("mail template {name} does not parse: {err}"));
        }
        Self { env }
    }

    /// Renders notification `name` with `context`.
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<Rendered, minijinja::Error> {
        let part = |suffix: &str| self.env.get_template(&format!("{name}.{suffix}"))?.render(context);
        Ok(Rendered { subject: part("subject")?.trim().to_owned(), text: part("txt")?, html: part("html")? })
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_uses_the_currency_exponent() {
        assert_eq!(money(3850, "EUR".into()), "38.50 EUR");
        assert_eq!(money(5, "USD".into()), "0.05 USD");
        assert_eq!(money(1200, "JPY".into()), "1200 JPY");
        assert_eq!(money(1234, "KWD".into()), "1.234 KWD");
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let rendered = Templates::new()
            .render(
                "welcome",
                &serde_json::json!({"user": {"name": "<b>Ann</b> & co", "email": "ann@example.com"}}),
            )
            .unwrap();
        assert!(rendered.html.contains("&lt;b&gt;Ann&lt;&#x2f;b&gt; &amp; co"), "{}", rendered.html);
        assert!(rendered.text.contains("<b>Ann</b> & co"));
        assert!(!rendered.subject.contains('\n'));
    }

    #[test]
    fn a_missing_value_is_an_error_not_an_empty_string() {
        assert!(Templates::new().render("welcome", &serde_json::json!({})).is_err());
    }
}
