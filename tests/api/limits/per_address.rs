//! Rates per client address (register, login, ticket), and the trusted-proxy rule that
//! decides the address.

use super::*;

/// A username never used before in this test binary.
fn fresh_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("newcomer_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// What a client address may do only so often.
#[derive(Debug, Clone, Copy)]
enum PerAddress {
    Register,
    Login,
    Ticket,
}

const PER_ADDRESS: [PerAddress; 3] = [PerAddress::Register, PerAddress::Login, PerAddress::Ticket];

impl PerAddress {
    /// Its key in `rate_limits`.
    fn key(self) -> &'static str {
        match self {
            PerAddress::Register => "register",
            PerAddress::Login => "login",
            PerAddress::Ticket => "ticket",
        }
    }

    /// The status and message of a success.
    fn success(self) -> (u16, &'static str) {
        match self {
            PerAddress::Register => (201, "注册成功"),
            PerAddress::Login => (200, "登录成功"),
            PerAddress::Ticket => (200, "success"),
        }
    }

    /// One attempt from `ip`, which succeeds when not limited (`user` is an existing
    /// account).
    fn attempt(self, app: &TestApp, user: &User, ip: &str) -> Resp {
        let (path, token, body) = match self {
            PerAddress::Register => (
                "/api/register",
                None,
                json!({"username": fresh_name(), "password": PASSWORD}),
            ),
            PerAddress::Login => (
                "/api/login",
                None,
                json!({"username": user.username, "password": PASSWORD}),
            ),
            PerAddress::Ticket => ("/api/auth/events/ticket", Some(&*user.token), json!({})),
        };
        dispatch(post_from(app, ip, path, token, body))
    }

    /// Whether `answer` is this action's success.
    fn succeeded(self, answer: &Resp) -> bool {
        let (status, message) = self.success();
        answer.status == status && answer.body["message"] == json!(message)
    }
}

#[test]
fn per_address_limits_allow_n_then_answer_429_and_count_each_address_apart() {
    for action in PER_ADDRESS {
        let app = app_limiting(&[(action.key(), "3/hour")], &[]);
        // Registered from the local client's unknown address, which is not counted below.
        let alice = app.user("alice");
        let (status, message) = action.success();
        for ip in ["10.1.0.1", "10.1.0.2", "192.168.7.20"] {
            for n in 1..=3 {
                let answer = action.attempt(&app, &alice, ip);
                assert_eq!(
                    answer.status, status,
                    "{action:?} #{n} from {ip}: {}",
                    answer.body
                );
                answer.expect(status, message);
            }
            let refused = action.attempt(&app, &alice, ip);
            let secs = refused.expect_limited();
            // One of three per hour comes back every 20 minutes.
            assert!(secs <= 1200, "{action:?} from {ip}: Retry-After {secs}");
            // Still refused: a refusal does not buy a later place.
            action.attempt(&app, &alice, ip).expect_limited();
        }
    }
}

#[test]
fn per_address_limits_refill_after_their_window() {
    for action in PER_ADDRESS {
        let app = app_limiting(&[(action.key(), "2/second")], &[]);
        let alice = app.user("alice");
        let ip = "10.2.0.1";
        // The burst of two always passes; the refill (one every half second) may let one more
        // through on a slow machine before the limit shows.
        let mut accepted = 0;
        let refused = loop {
            let answer = action.attempt(&app, &alice, ip);
            if answer.status == 429 {
                break answer;
            }
            assert!(
                action.succeeded(&answer),
                "{action:?}: {} {}",
                answer.status,
                answer.body
            );
            accepted += 1;
            assert!(accepted <= 20, "{action:?} was never limited at 2/second");
        };
        assert!(
            accepted >= 2,
            "{action:?}: only {accepted} before the limit"
        );
        assert_eq!(
            refused.expect_limited(),
            1,
            "{action:?}: under a second to wait"
        );
        // Accepted again once the window has moved on.
        let started = Instant::now();
        let mut last = None;
        let back = wait_until(Duration::from_secs(5), || {
            let answer = action.attempt(&app, &alice, ip);
            let ok = action.succeeded(&answer);
            if !ok {
                answer.expect_limited();
            }
            last = Some(answer);
            ok
        });
        assert!(back, "{action:?} still refused after 5 s: {last:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{action:?} took {:?} to refill at 2/second",
            started.elapsed()
        );
    }
}

#[test]
fn only_a_trusted_proxy_names_the_client_address() {
    let app = app_limiting(
        &[("ticket", "2/hour")],
        &[("trusted_proxies", json!(["127.0.0.1"]))],
    );
    let alice = app.user("alice");
    let ticket = |peer: &str, forwarded: Option<&str>| {
        let mut req = post_from(
            &app,
            peer,
            "/api/auth/events/ticket",
            Some(&alice.token),
            json!({}),
        );
        if let Some(value) = forwarded {
            req = req.header(Header::new("X-Forwarded-For", value.to_string()));
        }
        dispatch(req)
    };
    let allowed = |answer: Resp, case: &str| {
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
        answer.expect(200, "success");
    };

    // Through the trusted proxy, each forwarded client has its own budget of two.
    for client in ["9.9.9.1", "9.9.9.2"] {
        for n in 1..=2 {
            allowed(
                ticket("127.0.0.1", Some(client)),
                &format!("{client} #{n} via the proxy"),
            );
        }
        ticket("127.0.0.1", Some(client)).expect_limited();
    }
    // A client that forges a left-most entry is still counted as what the proxy saw.
    ticket("127.0.0.1", Some("6.6.6.6, 9.9.9.1")).expect_limited();
    ticket("127.0.0.1", Some("6.6.6.6,9.9.9.2")).expect_limited();
    // …and the forged address itself was not charged.
    allowed(
        ticket("127.0.0.1", Some("6.6.6.6")),
        "6.6.6.6 via the proxy",
    );
    // The proxy's own requests (no header) count as the proxy, apart from its clients.
    allowed(ticket("127.0.0.1", None), "the proxy itself");

    // From an untrusted peer the header is ignored: every value shares the peer's budget.
    allowed(
        ticket("10.0.0.7", Some("7.7.7.1")),
        "10.0.0.7 claiming 7.7.7.1",
    );
    allowed(
        ticket("10.0.0.7", Some("7.7.7.2")),
        "10.0.0.7 claiming 7.7.7.2",
    );
    ticket("10.0.0.7", Some("7.7.7.3")).expect_limited();
    ticket("10.0.0.7", None).expect_limited();
    // Nor can it spend someone else's budget: 7.7.7.1 via the proxy is untouched.
    for n in 1..=2 {
        allowed(
            ticket("127.0.0.1", Some("7.7.7.1")),
            &format!("7.7.7.1 #{n} via the proxy"),
        );
    }
}
