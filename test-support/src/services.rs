//! Where the real services of the tests listen: the environment's `TEST_*` variables
//! (set by `make test`), else their loopback defaults.

/// `name` from the environment, else `default`.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

pub fn redis_url() -> String {
    env_or("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
}

pub fn kafka_brokers() -> String {
    env_or("TEST_KAFKA_BROKERS", "127.0.0.1:9092")
}
