//! HTTPS served directly (API.md §12, "HTTPS"): the real binary with a certificate made here
//! and signed by a CA of the test's own, as `mkcert` does. A file goes up and comes back
//! through TLS, and an event stream delivers through it; plain HTTP on that port is not
//! served; a connection that never finishes its handshake is closed after
//! `header_timeout_secs` like a plain one (the Rocket patch covers TLS); and a missing or
//! wrong certificate or key stops the server at start, naming the file.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::cli::{assert_fails_saying, chatd};
use crate::helpers::Api;
use crate::live::Remote;
use crate::server::{agent, Server};

/// `tls` pointing at the files `make_certificate` writes, relative to the server's folder.
const TLS: &str = "{certs=\"cert.pem\",key=\"key.pem\"}";

/// A CA, and a certificate it signed for `localhost` and `127.0.0.1` written to `dir` as
/// `{prefix}cert.pem` and `{prefix}key.pem`; the CA's certificate (DER), which clients trust.
fn make_certificate(dir: &Path, prefix: &str) -> Vec<u8> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::write(dir.join(format!("{prefix}cert.pem")), cert.pem()).unwrap();
    std::fs::write(dir.join(format!("{prefix}key.pem")), key.serialize_pem()).unwrap();
    ca.der().to_vec()
}

/// chatd serving HTTPS from `dir`, request heads due within 1 s; the CA to trust.
fn serve_https(dir: &Path) -> (Server, Vec<u8>) {
    let ca = make_certificate(dir, "");
    let settings =
        [("tls", TLS), ("header_timeout_secs", "1")].map(|(k, v)| (k.to_string(), v.to_string()));
    (Server::start_with(dir, 0, &settings), ca)
}

/// A client of `server` that trusts only `ca`.
fn trusting(server: &Server, ca: &[u8]) -> Remote {
    let roots = RootCerts::new_with_certs(&[Certificate::from_der(ca).to_owned()]);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build();
    Remote::with_agent(&server.base, agent.into())
}

#[test]
fn a_file_goes_up_and_comes_back_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ca) = serve_https(dir.path());
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let remote = trusting(&server, &ca);
    let (lisi, _, _) = remote.friends_with_a_chat("lisi", "zhangsan");

    // Larger than one TLS record (16 KiB), and not text.
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let res = remote.upload(&lisi.token, "录音.bin", &bytes);
    res.expect(201, "上传成功");
    assert_eq!(res.data()["size"], bytes.len());
    let (status, got) = remote.download(res.data()["url"].as_str().unwrap());
    assert_eq!(status, 200);
    assert!(
        got == bytes,
        "{} bytes came back, not the {} sent",
        got.len(),
        bytes.len()
    );
}

#[test]
fn an_event_stream_delivers_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ca) = serve_https(dir.path());
    let remote = trusting(&server, &ca);
    let (lisi, zhangsan, conv) = remote.friends_with_a_chat("lisi", "zhangsan");
    let sse = remote.stream_here(&lisi.token);
    assert_eq!(sse.status, 200);
    let id = remote.send(&zhangsan, &conv, "加密的你好");
    let (_, data) = sse
        .next_of("message.created", Duration::from_secs(5))
        .expect("the message over TLS");
    assert_eq!(data["message"]["id"], serde_json::json!(id));
    assert_eq!(data["message"]["content"], "加密的你好");
}

#[test]
fn plain_http_on_the_https_port_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ca) = serve_https(dir.path());
    let client = agent(Some(Duration::from_secs(10)));
    let plain = format!("http://127.0.0.1:{}/api/health", server.port());
    let res = client.get(&plain).call();
    assert!(res.is_err(), "plain HTTP answered: {res:?}");
    // Nor does a client that does not trust the certificate get an answer.
    let untrusting = client.get(format!("{}/api/health", server.base)).call();
    assert!(
        untrusting.is_err(),
        "answered without trust: {untrusting:?}"
    );
    // The server is still there for a client that trusts it.
    let health = trusting(&server, &ca).download("/api/health");
    assert_eq!(health.0, 200, "{:?}", String::from_utf8_lossy(&health.1));
}

#[test]
fn a_connection_that_never_finishes_its_handshake_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = serve_https(dir.path());
    // Nothing sent, and the first bytes of a ClientHello that never completes.
    for sent in [&b""[..], b"\x16\x03\x01\x02\x00\x01"] {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        std::io::Write::write_all(&mut stream, sent).unwrap();
        let since = Instant::now();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buf = [0u8; 64];
        let closed = match stream.read(&mut buf) {
            Ok(n) => n == 0,
            Err(e) => e.kind() == ErrorKind::ConnectionReset,
        };
        let waited = since.elapsed();
        assert!(closed, "{sent:?}: still open after {waited:?}");
        assert!(
            waited < Duration::from_secs(5),
            "{sent:?}: closed after {waited:?}"
        );
    }
}

#[test]
fn a_missing_or_wrong_certificate_or_key_stops_the_server_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    make_certificate(dir.path(), "");
    make_certificate(dir.path(), "other-");
    std::fs::write(dir.path().join("notes.txt"), "not a certificate").unwrap();
    let cases = [
        ("missing.pem", "key.pem", "`tls.certs` (missing.pem): "),
        ("cert.pem", "missing.pem", "`tls.key` (missing.pem): "),
        (
            "notes.txt",
            "key.pem",
            "`tls.certs` (notes.txt): no PEM certificate",
        ),
        ("cert.pem", "notes.txt", "`tls.key` (notes.txt): "),
        (
            "cert.pem",
            "other-key.pem",
            "`tls.key` (other-key.pem): not the key of",
        ),
    ];
    for (certs, key, said) in cases {
        let tls = format!("{{certs=\"{certs}\",key=\"{key}\"}}");
        let out = chatd(
            dir.path(),
            &["serve"],
            &[("ROCKET_TLS", &tls), ("ROCKET_PORT", "0")],
        );
        assert_fails_saying(&out, said);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
