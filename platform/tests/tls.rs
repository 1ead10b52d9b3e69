//! Encrypted, verified connections to Postgres and Redis, against real servers: a throwaway
//! certificate authority (the openssl CLI) signs a certificate for 127.0.0.1, and a Postgres
//! (initdb'd for this test) and a Redis started here present it. With the CA the binaries
//! connect with verification on; with another CA they refuse the server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use shopfleet_platform::config::{DatabaseSettings, RedisSettings};
use shopfleet_platform::db::connect_lazy;
use shopfleet_platform::redis_conn::RedisConn;
use shopfleet_platform::secret::Secret;

/// A directory of this test's own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("shopfleet-tls-{name}-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(out.status.success(), "{command:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// A certificate authority and a server certificate it signed for 127.0.0.1 and localhost.
struct TestCa {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl TestCa {
    fn new(dir: &Path, name: &str) -> TestCa {
        let path = |file: &str| dir.join(format!("{name}-{file}"));
        run(Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"])
            .args(["-subj", &format!("/CN=Shopfleet test CA {name}")])
            .arg("-keyout")
            .arg(path("ca.key"))
            .arg("-out")
            .arg(path("ca.crt")));
        run(Command::new("openssl")
            .args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"])
            .arg("-keyout")
            .arg(path("server.key"))
            .arg("-out")
            .arg(path("server.csr")));
        std::fs::write(
            path("ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
            .arg("-in")
            .arg(path("server.csr"))
            .arg("-CA")
            .arg(path("ca.crt"))
            .arg("-CAkey")
            .arg(path("ca.key"))
            .arg("-extfile")
            .arg(path("ext"))
            .arg("-out")
            .arg(path("server.crt")));
        TestCa { ca: path("ca.crt"), cert: path("server.crt"), key: path("server.key") }
    }
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A Postgres server of its own with `ssl = on`, run as the `postgres` user when the test
/// runs as root (Postgres refuses to run as root).
struct TlsPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _scratch: Scratch,
}

impl TlsPostgres {
    fn start(ca: &TestCa) -> TlsPostgres {
        let scratch = Scratch::new("pg");
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Postgres server binaries in /usr/lib/postgresql (make test installs them)")
            .map(|e| e.unwrap().path().join("bin"))
            .max()
            .unwrap();
        let (data, port) = (scratch.0.join("data"), free_port());
        // The server's key must be the server user's own and private.
        let (cert, key) = (scratch.0.join("server.crt"), scratch.0.join("server.key"));
        std::fs::copy(&ca.cert, &cert).unwrap();
        std::fs::copy(&ca.key, &key).unwrap();
        run(Command::new("chmod").arg("600").arg(&key));
        let as_server = |program: PathBuf| {
            let mut command = if is_root() { Command::new("runuser") } else { Command::new(&program) };
            if is_root() {
                command.args(["-u", "postgres", "--"]).arg(&program);
            }
            command
        };
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres"]).arg(&scratch.0));
        }
        run(as_server(bin.join("initdb")).arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ]));
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            scratch.0.display(),
            cert.display(),
            key.display()
        );
        run(as_server(bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(scratch.0.join("server.log"))
            .args(["-w", "-o", &options, "start"]));
        TlsPostgres { bin, data, port, _scratch: scratch }
    }

    fn settings(&self, query: &str) -> DatabaseSettings {
        DatabaseSettings {
            url: Secret::new(format!("postgres://postgres@127.0.0.1:{}/postgres?{query}", self.port)),
            max_connections: 2,
            acquire_timeout_secs: 5,
        }
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let mut stop = if is_root() { Command::new("runuser") } else { Command::new(&pg_ctl) };
        if is_root() {
            stop.args(["-u", "postgres", "--"]).arg(&pg_ctl);
        }
        let _ = stop.arg("-D").arg(&self.data).args(["-m", "immediate", "stop"]).output();
    }
}

/// A Redis server speaking only TLS.
struct TlsRedis {
    process: Child,
    port: u16,
}

impl TlsRedis {
    fn start(ca: &TestCa) -> TlsRedis {
        let port = free_port();
        let process = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", "0", "--tls-port", &port.to_string()])
            .arg("--tls-cert-file")
            .arg(&ca.cert)
            .arg("--tls-key-file")
            .arg(&ca.key)
            .arg("--tls-ca-cert-file")
            .arg(&ca.ca)
            .args(["--tls-auth-clients", "no", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs (make test installs it)");
        wait_for_port(port, "Redis");
        TlsRedis { process, port }
    }

    fn settings(&self, ca: &Path) -> RedisSettings {
        RedisSettings {
            url: Secret::new(format!("rediss://127.0.0.1:{}/0", self.port)),
            key_prefix: "tls-test".to_owned(),
            ca_file: Some(ca.to_owned()),
        }
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test]
async fn postgres_connects_with_verify_full_against_its_ca_and_refuses_another() {
    let scratch = Scratch::new("pg-ca");
    let (ca, other) = (TestCa::new(&scratch.0, "shop"), TestCa::new(&scratch.0, "other"));
    let server = TlsPostgres::start(&ca);

    let verified =
        connect_lazy(&server.settings(&format!("sslmode=verify-full&sslrootcert={}", ca.ca.display())))
            .unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&verified)
        .await
        .expect("connects with the server's CA");
    assert!(encrypted, "the connection is encrypted");

    let impostor =
        connect_lazy(&server.settings(&format!("sslmode=verify-full&sslrootcert={}", other.ca.display())))
            .unwrap();
    let refused = sqlx::query("SELECT 1").execute(&impostor).await;
    assert!(refused.is_err(), "a server whose certificate another CA signed is refused");
}

#[tokio::test]
async fn redis_over_tls_verifies_the_server_against_the_ca_file() {
    let scratch = Scratch::new("redis-ca");
    let (ca, other) = (TestCa::new(&scratch.0, "shop"), TestCa::new(&scratch.0, "other"));
    let server = TlsRedis::start(&ca);

    let verified = RedisConn::new(&server.settings(&ca.ca)).unwrap();
    let mut connection = verified.connection().await.expect("connects with the server's CA");
    let pong: String = redis::cmd("PING").query_async(&mut connection).await.unwrap();
    assert_eq!(pong, "PONG");

    let impostor = RedisConn::new(&server.settings(&other.ca)).unwrap();
    assert!(impostor.connection().await.is_err(), "a server whose certificate another CA signed is refused");
}
