//! placeholder
use super::{ParseError, ParseOptions};
use crate::history::History;
pub fn parse(_s: &str, _o: &ParseOptions) -> Result<History, ParseError> { todo!() }
