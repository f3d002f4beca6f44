//! `Api`: what the tests say to chatd, written once over any transport.

use rocket::http::Method;
use serde_json::{json, Value};

use super::{Resp, User, PASSWORD};

/// A client of chatd. A transport answers `call`; every other method is the tests' vocabulary
/// on top of it, the same in process (`TestApp`) and over HTTP (`crate::live::Remote`).
pub trait Api {
    /// Any request with a JSON body (or none), with `token` as the bearer token if any.
    fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp;

    fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::Get, path, Some(token), None)
    }

    fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::Post, path, Some(token), Some(body))
    }

    fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::Put, path, Some(token), Some(body))
    }

    fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::Patch, path, Some(token), Some(body))
    }

    fn delete(&self, path: &str, token: &str, body: Option<Value>) -> Resp {
        self.call(Method::Delete, path, Some(token), body)
    }

    /// Asserts every request answers `401 未授权` (and no data) when sent with `token` (or
    /// none).
    #[track_caller]
    fn expect_unauthorized(&self, token: Option<&str>, requests: &[(Method, &str, Option<Value>)]) {
        for (method, path, body) in requests {
            self.call(*method, path, token, body.clone())
                .status_for(401, format!("{method} {path} with token {token:?}"))
                .expect_error(401, "未授权");
        }
    }

    /// `GET /api/auth/me` with `token`, which must answer 200; its data.
    #[track_caller]
    fn me(&self, token: &str) -> Value {
        let res = self.get("/api/auth/me", token);
        res.expect(200, "success");
        res.data().clone()
    }

    /// `PATCH /api/auth/me` by `user`, setting the display name.
    fn set_display_name(&self, user: &User, display_name: &str) -> Resp {
        self.patch(
            "/api/auth/me",
            &user.token,
            json!({ "display_name": display_name }),
        )
    }

    /// `PUT /api/auth/me/password` with `token`.
    fn change_password(&self, token: &str, old: &str, new: &str) -> Resp {
        self.put(
            "/api/auth/me/password",
            token,
            json!({"old_password": old, "new_password": new}),
        )
    }

    /// Registers `username` (display name = username) with `PASSWORD`.
    fn user(&self, username: &str) -> User {
        self.user_named(username, username)
    }

    fn user_named(&self, username: &str, display_name: &str) -> User {
        let res = self.call(
            Method::Post,
            "/api/register",
            None,
            Some(json!({"username": username, "password": PASSWORD, "display_name": display_name})),
        );
        res.expect(201, "注册成功");
        User {
            id: res.data_str("user_id"),
            username: username.to_string(),
            display_name: display_name.to_string(),
            token: res.data_str("token"),
        }
    }

    /// `POST /api/login` with `username` and `password`, whatever the answer.
    fn try_login(&self, username: &str, password: &str) -> Resp {
        self.call(
            Method::Post,
            "/api/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
    }

    /// Logs `username` in again with `PASSWORD` (another device); the new token.
    #[track_caller]
    fn login(&self, username: &str) -> String {
        let res = self.try_login(username, PASSWORD);
        res.expect(200, "登录成功");
        res.data_str("token")
    }

    /// `POST /api/auth/friends/requests` from `from` to `to_id`, whatever the answer.
    fn friend_request(&self, from: &User, to_id: &str) -> Resp {
        let body = json!({ "user_id": to_id });
        self.post("/api/auth/friends/requests", &from.token, body)
    }

    /// A friend request from `from` to `to`, which must be created (201); its id.
    #[track_caller]
    fn new_friend_request(&self, from: &User, to: &User) -> String {
        let res = self.friend_request(from, &to.id);
        res.expect(201, "好友请求已发送");
        res.data_str("request_id")
    }

    /// `who` accepts friend request `request`, whatever the answer.
    fn accept_request(&self, who: &User, request: &str) -> Resp {
        let path = format!("/api/auth/friends/requests/{request}/accept");
        self.post(&path, &who.token, json!({}))
    }

    /// `who` rejects friend request `request`, whatever the answer.
    fn reject_request(&self, who: &User, request: &str) -> Resp {
        let path = format!("/api/auth/friends/requests/{request}/reject");
        self.post(&path, &who.token, json!({}))
    }

    /// Makes two users friends (request + accept).
    fn befriend(&self, a: &User, b: &User) {
        let request = self.new_friend_request(a, b);
        self.accept_request(b, &request).expect(200, "已添加好友");
    }

    /// Makes `a` friends with each of `others`.
    fn befriend_all(&self, a: &User, others: &[&User]) {
        for other in others {
            self.befriend(a, other);
        }
    }

    /// `POST /api/auth/conversations/private` by `caller` with `friend_id`.
    fn open_private(&self, caller: &User, friend_id: &str) -> Resp {
        self.post(
            "/api/auth/conversations/private",
            &caller.token,
            json!({"friend_id": friend_id}),
        )
    }

    /// Two new friends and their private conversation id.
    fn private_chat(&self, a: &User, b: &User) -> String {
        let res = self.open_private(a, &b.id);
        assert!(res.status == 201 || res.status == 200, "{:?}", res.body);
        res.data_str("conversation_id")
    }

    /// Registers `a` and `b`, makes them friends and opens their private chat; returns
    /// (a, b, conversation).
    fn friends_with_a_chat(&self, a: &str, b: &str) -> (User, User, String) {
        let a = self.user(a);
        let b = self.user(b);
        self.befriend(&a, &b);
        let conversation = self.private_chat(&a, &b);
        (a, b, conversation)
    }

    /// A group owned by `owner` with `members` (who must be the owner's friends).
    fn group(&self, owner: &User, name: &str, members: &[&User]) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let res = self.post(
            "/api/auth/conversations/group",
            &owner.token,
            json!({"name": name, "member_ids": ids}),
        );
        res.expect(201, "群聊已创建");
        res.data_str("conversation_id")
    }

    /// `method` on `/api/auth/conversations/{conversation}{rest}` by `who` with `body`,
    /// whatever the answer.
    fn on_conversation(
        &self,
        method: Method,
        who: &User,
        conversation: &str,
        rest: &str,
        body: Option<Value>,
    ) -> Resp {
        let path = format!("/api/auth/conversations/{conversation}{rest}");
        self.call(method, &path, Some(&who.token), body)
    }

    /// `who` invites `member_ids` (a JSON value, so tests can send wrong types).
    fn invite(&self, who: &User, conversation: &str, member_ids: Value) -> Resp {
        let body = json!({ "member_ids": member_ids });
        self.on_conversation(Method::Post, who, conversation, "/members", Some(body))
    }

    /// `who` removes `member_id` from a group (themselves: leaves it).
    fn remove(&self, who: &User, conversation: &str, member_id: &str) -> Resp {
        let rest = format!("/members/{member_id}");
        self.on_conversation(Method::Delete, who, conversation, &rest, None)
    }

    /// `who` renames a group: `body` holds the `name`.
    fn rename_group(&self, who: &User, conversation: &str, body: Value) -> Resp {
        self.on_conversation(Method::Patch, who, conversation, "", Some(body))
    }

    /// `who` pins or unpins (`is_pinned`, a JSON value).
    fn pin(&self, who: &User, conversation: &str, is_pinned: Value) -> Resp {
        let body = json!({ "is_pinned": is_pinned });
        self.on_conversation(Method::Put, who, conversation, "/pin", Some(body))
    }

    /// `who` marks the conversation read (`body` may name a `message_id`).
    fn mark_read(&self, who: &User, conversation: &str, body: Value) -> Resp {
        self.on_conversation(Method::Post, who, conversation, "/read", Some(body))
    }

    /// `POST /api/auth/messages` with `content`, whatever the answer.
    fn try_send(&self, from: &User, conversation: &str, content: &str) -> Resp {
        self.post(
            "/api/auth/messages",
            &from.token,
            json!({"conversation_id": conversation, "content": content}),
        )
    }

    /// Sends a message and returns its id.
    fn send(&self, from: &User, conversation: &str, content: &str) -> String {
        let res = self.try_send(from, conversation, content);
        res.expect(201, "消息已发送");
        res.data_str("message_id")
    }

    /// Sends each of `contents` in order; their ids.
    fn send_all<S: AsRef<str>>(
        &self,
        from: &User,
        conversation: &str,
        contents: impl IntoIterator<Item = S>,
    ) -> Vec<String> {
        contents
            .into_iter()
            .map(|content| self.send(from, conversation, content.as_ref()))
            .collect()
    }

    /// `DELETE /api/auth/messages/recall` of message `id` by `who`.
    fn recall(&self, who: &User, id: &str) -> Resp {
        self.delete(
            "/api/auth/messages/recall",
            &who.token,
            Some(json!({ "id": id })),
        )
    }

    /// `DELETE /api/auth/messages/delete` (for `who` only) of message `id`.
    fn delete_for_me(&self, who: &User, id: &str) -> Resp {
        self.delete(
            "/api/auth/messages/delete",
            &who.token,
            Some(json!({ "id": id })),
        )
    }

    /// A `GET` that must answer 200 with a list; the list.
    #[track_caller]
    fn list_at(&self, path: &str, viewer: &User) -> Vec<Value> {
        let res = self.get(path, &viewer.token);
        res.expect(200, "success");
        res.list()
    }

    /// The newest page of a conversation as `viewer` sees it.
    fn messages(&self, viewer: &User, conversation: &str) -> Vec<Value> {
        self.list_at(&format!("/api/auth/conversations/{conversation}"), viewer)
    }

    /// `viewer`'s conversation list.
    fn conversations(&self, viewer: &User) -> Vec<Value> {
        self.list_at("/api/auth/conversations", viewer)
    }

    /// `viewer`'s list entry for one conversation.
    fn entry(&self, viewer: &User, conversation: &str) -> Option<Value> {
        self.conversations(viewer)
            .into_iter()
            .find(|c| c["conversation_id"] == json!(conversation))
    }

    /// `viewer`'s list entry for one conversation, which the list must hold.
    #[track_caller]
    fn expect_entry(&self, viewer: &User, conversation: &str) -> Value {
        self.entry(viewer, conversation)
            .unwrap_or_else(|| panic!("{conversation} missing from {}'s list", viewer.username))
    }

    /// `viewer`'s unread count of a conversation in their list (which must hold it).
    #[track_caller]
    fn unread(&self, viewer: &User, conversation: &str) -> i64 {
        let entry = self.expect_entry(viewer, conversation);
        entry["unread_count"]
            .as_i64()
            .unwrap_or_else(|| panic!("unread_count of {entry}"))
    }

    /// Asserts `who`, not a member, gets 404 on every route of `conversation` (reading,
    /// paging, members, pin, read marker, invite, leave, rename, sending with and without a
    /// client_msg_id) and on recalling or deleting `message` in it.
    #[track_caller]
    fn assert_shut_out(&self, who: &User, conversation: &str, message: &str) {
        let base = format!("/api/auth/conversations/{conversation}");
        let token = who.token.as_str();
        let calls = [
            ("detail", self.get(&base, token)),
            ("limit", self.get(&format!("{base}?limit=10"), token)),
            ("after", self.get(&format!("{base}?after={message}"), token)),
            ("members", self.get(&format!("{base}/members"), token)),
            ("pin", self.pin(who, conversation, json!(true))),
            ("read", self.mark_read(who, conversation, json!({}))),
            ("invite", self.invite(who, conversation, json!(["u_1"]))),
            ("leave", self.remove(who, conversation, &who.id)),
            (
                "rename",
                self.rename_group(who, conversation, json!({"name": "我的群"})),
            ),
            ("send", self.try_send(who, conversation, "hi")),
            (
                "send with client_msg_id",
                self.post(
                    "/api/auth/messages",
                    token,
                    json!({"conversation_id": conversation, "content": "hi",
                           "client_msg_id": "shut-out"}),
                ),
            ),
        ];
        for (route, res) in calls {
            res.status_for(404, route).expect(404, "会话不存在");
        }
        self.recall(who, message)
            .status_for(404, "recall")
            .expect(404, "消息不存在");
        self.delete_for_me(who, message)
            .status_for(404, "delete")
            .expect(404, "消息不存在");
    }
}
