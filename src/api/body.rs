//! The JSON body guards. Rocket's own `Json` answers 422 for wrong types and cannot tell the
//! catcher why it failed; these read at most 64 KiB (413 beyond), parse with serde, and
//! leave the contract's error for the catcher. They accept any Content-Type, as many small
//! clients forget the header.

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::request::Request;
use serde::de::DeserializeOwned;

use std::time::Duration;

use crate::config::{Config, BODY_LIMIT};
use crate::error::{Error, GuardError};

/// A required request body parsed from JSON.
#[derive(Debug)]
pub struct Body<T>(pub T);

/// A request body that may be absent (empty); when present it must be valid.
#[derive(Debug)]
pub struct OptionalBody<T>(pub Option<T>);

impl<T> std::ops::Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Reads and parses the body; `Ok(None)` when it is empty or only white space. A declared
/// length over the limit is refused before anything is read, and a body that does not arrive
/// within `body_timeout_secs` is given up (a slow or stalled client holds nothing for long).
async fn read_json<T: DeserializeOwned>(
    req: &Request<'_>,
    data: Data<'_>,
) -> Result<Option<T>, Error> {
    let declared = req
        .headers()
        .get_one("Content-Length")
        .and_then(|n| n.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return Err(Error::PayloadTooLarge);
    }
    let timeout = req
        .rocket()
        .state::<Config>()
        .map_or(Duration::from_secs(30), |c| {
            Duration::from_secs(c.body_timeout_secs)
        });
    let read = rocket::tokio::time::timeout(timeout, data.open(BODY_LIMIT.bytes()).into_bytes());
    let bytes = match read.await {
        Err(_) => return Err(Error::RequestTimeout),
        Ok(Ok(bytes)) if bytes.is_complete() => bytes.into_inner(),
        Ok(Ok(_)) => return Err(Error::PayloadTooLarge),
        Ok(Err(_)) => return Err(Error::bad_request("请求体读取失败")),
    };
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok(None),
        // Every body of the API is an object; serde would also take a struct written as an
        // array of its fields, which the contract does not allow.
        Some(b'{') => {}
        Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
            return Err(Error::bad_request("请求体须为 JSON 对象"));
        }
        Some(_) => return Err(Error::bad_request("请求体不是有效的 JSON")),
    }
    match serde_json::from_slice::<T>(&bytes) {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_data() => Err(Error::bad_request("字段缺失或类型错误")),
        Err(_) => Err(Error::bad_request("请求体不是有效的 JSON")),
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for Body<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, ()> {
        match read_json(req, data).await {
            Ok(Some(value)) => Outcome::Success(Body(value)),
            Ok(None) => Outcome::Error((
                GuardError::stash(req, Error::bad_request("请求体不是有效的 JSON")),
                (),
            )),
            Err(error) => Outcome::Error((GuardError::stash(req, error), ())),
        }
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for OptionalBody<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, ()> {
        match read_json(req, data).await {
            Ok(value) => Outcome::Success(OptionalBody(value)),
            Err(error) => Outcome::Error((GuardError::stash(req, error), ())),
        }
    }
}
