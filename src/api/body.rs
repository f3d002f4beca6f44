//! The JSON body guards. Rocket's own `Json` answers 422 for wrong types and cannot tell the
//! catcher why it failed; these read at most 64 KiB (413 beyond), parse with serde, and
//! leave the contract's error for the catcher. They accept any Content-Type, as many small
//! clients forget the header.

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::request::Request;
use serde::de::DeserializeOwned;

use crate::config::BODY_LIMIT;
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

/// Reads and parses the body; `Ok(None)` when it is empty or only white space.
async fn read_json<T: DeserializeOwned>(data: Data<'_>) -> Result<Option<T>, Error> {
    let bytes = match data.open(BODY_LIMIT.bytes()).into_bytes().await {
        Ok(bytes) if bytes.is_complete() => bytes.into_inner(),
        Ok(_) => return Err(Error::PayloadTooLarge),
        Err(_) => return Err(Error::bad_request("请求体读取失败")),
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
        match read_json(data).await {
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
        match read_json(data).await {
            Ok(value) => Outcome::Success(OptionalBody(value)),
            Err(error) => Outcome::Error((GuardError::stash(req, error), ())),
        }
    }
}
