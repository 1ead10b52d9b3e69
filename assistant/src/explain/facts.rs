//! Deterministic, grounded text built only from a retrieved product's own facts: what
//! it is, its price and stock, and which words of the query it matches. Product text is
//! quoted as data; nothing in it is interpreted.

use super::Retrieved;
use shopfleet_commerce::catalog::products::Product;

const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "from",
    "have",
    "what",
    "which",
    "want",
    "need",
    "some",
    "something",
    "any",
    "are",
    "can",
    "you",
    "your",
    "me",
    "my",
    "under",
    "over",
    "than",
    "good",
    "best",
    "looking",
    "show",
    "find",
    "please",
    "recommend",
    "suggest",
    "does",
    "there",
    "into",
    "about",
];

/// `12.99 EUR` (the currency's own number of decimals).
pub fn price(product: &Product) -> String {
    match (product.min_price_minor, product.currency.as_deref()) {
        (Some(minor), Some(code)) => {
            let exponent = iso_currency::Currency::from_code(code).and_then(|c| c.exponent()).unwrap_or(2);
            let scale = 10i64.pow(u32::from(exponent));
            if exponent == 0 {
                format!("{minor} {code}")
            } else {
                format!("{}.{:0width$} {code}", minor / scale, minor % scale, width = usize::from(exponent))
            }
        }
        _ => "no price".to_owned(),
    }
}

fn stock(product: &Product) -> &'static str {
    if product.in_stock {
        "in stock"
    } else {
        "out of stock"
    }
}

/// Lower-case words of `text` (letters and digits).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Query words (3+ letters, not stop words) that the product's text contains, allowing
/// a plural or other suffix on either side (`jacket` ~ `jackets`).
pub fn matched_words(query: &str, product: &Product) -> Vec<String> {
    let facts = format!(
        "{} {} {} {}",
        product.title,
        product.category_path.as_deref().unwrap_or_default(),
        product.attributes,
        product.description
    );
    let product_words: Vec<String> = words(&facts).collect();
    let mut matched: Vec<String> = Vec::new();
    for word in words(query).filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str())) {
        let hit = product_words.iter().any(|p| {
            p == &word
                || (word.len() >= 4 && p.starts_with(&word))
                || (p.len() >= 4 && word.starts_with(p.as_str()))
        });
        if hit && !matched.contains(&word) {
            matched.push(word);
        }
    }
    matched
}

/// `brand Acme, colour navy, material wool` (string attributes, by name).
fn attributes(product: &Product) -> String {
    product
        .attributes
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| value.as_str().map(|v| format!("{name} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One sentence on why `item` was retrieved for `query`.
pub fn explanation(query: &str, item: &Retrieved) -> String {
    let product = &item.product;
    let category = product
        .category_path
        .as_deref()
        .map(|p| p.replace('/', " > "))
        .unwrap_or_else(|| "uncategorised".into());
    let mut text = format!("{} ({category}", product.title);
    let attrs = attributes(product);
    if !attrs.is_empty() {
        text.push_str(&format!("; {attrs}"));
    }
    text.push_str(&format!(") costs {}, {}.", price(product), stock(product)));
    let matched = matched_words(query, product);
    if !matched.is_empty() {
        text.push_str(&format!(" It matches “{}”", matched.join("”, “")));
    } else {
        text.push_str(" It has no query word in its text");
    }
    text.push_str(match (item.fused.vector_rank.is_some(), item.fused.text_rank.is_some()) {
        (true, true) => " and is close in meaning to the query.",
        (true, false) => {
            if matched.is_empty() {
                " but is close in meaning to the query."
            } else {
                " and is close in meaning to the query."
            }
        }
        (false, true) => " as a keyword match.",
        (false, false) => ".",
    });
    text
}

/// A grounded answer listing the retrieved products with their ids.
pub fn answer(question: &str, items: &[Retrieved]) -> String {
    if items.is_empty() {
        return format!("I found no products for “{}” with these filters.", question.trim());
    }
    let mut text = format!("For “{}” I found {} product(s):", question.trim(), items.len());
    for (index, item) in items.iter().enumerate() {
        let p = &item.product;
        text.push_str(&format!("\n{}. {} [{}]: {}, {}.", index + 1, p.title, p.id, price(p), stock(p)));
    }
    text
}
