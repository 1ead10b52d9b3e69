//! The one-line JSON summary every goose scenario writes after its run: req/s over
//! goose's measured duration and latency percentiles of the measured request.

use goose::metrics::GooseMetrics;

/// The summary of request `name`, if any was recorded.
fn summarize(metrics: &GooseMetrics, scenario: &str, name: &str) -> Option<serde_json::Value> {
    let request = metrics.requests.get(name)?;
    let duration = metrics.duration.max(1) as f64;
    let ms = |us: u64| us as f64 / 1000.0;
    Some(serde_json::json!({
        "scenario": scenario,
        "request": name,
        "users": metrics.maximum_users,
        "duration_s": metrics.duration,
        "requests": request.raw_data.counter,
        "success": request.success_count,
        "fail": request.fail_count,
        "status_codes": request.status_code_counts,
        "req_per_s": request.success_count as f64 / duration,
        "mean_ms": request.raw_data.average_ms(),
        "p50_ms": ms(request.raw_data.percentile_us(0.50)),
        "p99_ms": ms(request.raw_data.percentile_us(0.99)),
        "max_ms": ms(request.raw_data.maximum_time_us),
    }))
}

/// Prints `BENCH_SUMMARY <json>` and writes the JSON to `BENCH_RESULT` when set.
/// Exits with an error when no `measured` request was recorded.
pub fn report(metrics: &GooseMetrics, scenario: &str, measured: &str) {
    let Some(summary) = summarize(metrics, scenario, measured) else {
        eprintln!("no `{measured}` requests were recorded; keys: {:?}", metrics.requests.keys());
        std::process::exit(1);
    };
    println!("BENCH_SUMMARY {summary}");
    if let Ok(path) = std::env::var("BENCH_RESULT") {
        std::fs::write(&path, format!("{summary}\n")).expect("write BENCH_RESULT");
    }
}

/// Like [`report`] for further requests of the same run, each written beside
/// `BENCH_RESULT` as `<stem>-<request name with spaces as dashes>.json`.
#[allow(dead_code)] // used by the scenarios that measure several requests
pub fn report_also(metrics: &GooseMetrics, scenario: &str, names: &[&str]) {
    for name in names {
        let Some(summary) = summarize(metrics, scenario, name) else {
            eprintln!("no `{name}` requests were recorded");
            std::process::exit(1);
        };
        println!("BENCH_SUMMARY {summary}");
        if let Ok(path) = std::env::var("BENCH_RESULT") {
            let stem = path.strip_suffix(".json").unwrap_or(&path);
            let slug = name.replace(' ', "-");
            std::fs::write(format!("{stem}-{slug}.json"), format!("{summary}\n")).expect("write result");
        }
    }
}
