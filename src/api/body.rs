//! The JSON body guard. Rocket's own `Json` answers 422 for wrong types and cannot tell the
//! catcher why it failed; this one reads at most 64 KiB (413 beyond), parses with serde, and
//! leaves the contract's error for the catcher. It accepts any Content-Type, as many small
//! clients forget the header.

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::request::Request;
use serde::de::DeserializeOwned;

use crate::config::BODY_LIMIT;
use crate::error::{Error, GuardError};

/// A request body parsed from JSON.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> std::ops::Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for Body<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, ()> {
        let fail = |error: Error| Outcome::Error((GuardError::stash(req, error), ()));
        let bytes = match data.open(BODY_LIMIT.bytes()).into_bytes().await {
            Ok(bytes) if bytes.is_complete() => bytes.into_inner(),
            Ok(_) => return fail(Error::PayloadTooLarge),
            Err(_) => return fail(Error::bad_request("请求体读取失败")),
        };
        match serde_json::from_slice::<T>(&bytes) {
            Ok(value) => Outcome::Success(Body(value)),
            Err(e) if e.is_data() => fail(Error::bad_request("字段缺失或类型错误")),
            Err(_) => fail(Error::bad_request("请求体不是有效的 JSON")),
        }
    }
}
