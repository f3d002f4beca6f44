//! `GET`/`PUT /api/auth/me/notifications`.

use super::*;

#[test]
fn settings_are_kept_with_the_token_masked_and_bad_ones_refused() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let res = app.get("/api/auth/me/notifications", &a.token);
    res.expect(200, "success");
    assert_eq!(
        res.data(),
        &json!({"ntfy_url": null, "ntfy_token": null, "show_content": true})
    );

    let body = json!({"ntfy_url": "https://ntfy.sh/alice-7f3c", "ntfy_token": "tk_secret_k9Qx",
                      "show_content": false});
    let res = set_ntfy(&app, &a, body);
    res.expect(200, "success");
    let shown = json!({"ntfy_url": "https://ntfy.sh/alice-7f3c", "ntfy_token": "••••k9Qx",
                       "show_content": false});
    assert_eq!(res.data(), &shown);
    let again = app.get("/api/auth/me/notifications", &a.token);
    assert_eq!(again.data(), &shown);
    assert!(!again.body.to_string().contains("tk_secret"));

    for bad in [
        json!({"ntfy_url": "ftp://x/y"}),
        json!({"ntfy_url": "ntfy.sh/topic"}),
        json!({"ntfy_url": "https://ntfy.sh/a b"}),
        json!({"ntfy_token": "abc"}),
        json!({"ntfy_url": "https://ntfy.sh/t", "ntfy_token": "has space"}),
        json!({"ntfy_url": 5}),
        json!({"show_content": "yes"}),
    ] {
        set_ntfy(&app, &a, bad.clone())
            .status_for(400, &bad)
            .expect_bad_request();
    }
    assert_eq!(
        app.get("/api/auth/me/notifications", &a.token).data(),
        &shown
    );

    // Empty turns it off.
    let res = set_ntfy(&app, &a, json!({"ntfy_url": "", "ntfy_token": ""}));
    assert_eq!(
        res.data(),
        &json!({"ntfy_url": null, "ntfy_token": null, "show_content": true})
    );
}
