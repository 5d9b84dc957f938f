//! Checkpointers: where an event consumer got to, so that a new stream
//! resumes there ([`ChaincodeEventsBuilder::checkpoint`](crate::ChaincodeEventsBuilder::checkpoint)).
//!
//! The rules of the official clients:
//! - checkpointing an event (or a transaction) stores its block and
//!   transaction id: a new stream starts in that block, after that
//!   transaction's events;
//! - checkpointing a block stores the *next* block and no transaction: a
//!   new stream starts at the next block.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::Error;
use crate::events::ChaincodeEvent;

/// Stores the position of an event consumer.
pub trait Checkpointer: Send + Sync {
    /// The block to resume at, if any position is stored.
    fn block_number(&self) -> Option<u64>;

    /// The last processed transaction in that block, if any.
    fn transaction_id(&self) -> Option<String>;

    /// Records that `block_number` is fully processed: resume at the next block.
    ///
    /// # Errors
    /// If the position cannot be stored.
    fn checkpoint_block(&self, block_number: u64) -> Result<(), Error>;

    /// Records that a transaction's events are processed: resume in its
    /// block, after it.
    ///
    /// # Errors
    /// If the position cannot be stored.
    fn checkpoint_transaction(&self, block_number: u64, transaction_id: &str) -> Result<(), Error>;

    /// Records that an event is processed (its transaction's position).
    ///
    /// # Errors
    /// If the position cannot be stored.
    fn checkpoint_chaincode_event(&self, event: &ChaincodeEvent) -> Result<(), Error> {
        self.checkpoint_transaction(event.block_number, &event.transaction_id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Position {
    block_number: Option<u64>,
    transaction_id: Option<String>,
}

impl Position {
    fn after_block(block_number: u64) -> Self {
        Self {
            block_number: Some(block_number.saturating_add(1)),
            transaction_id: None,
        }
    }

    fn at_transaction(block_number: u64, transaction_id: &str) -> Self {
        Self {
            block_number: Some(block_number),
            transaction_id: Some(transaction_id.to_owned()),
        }
    }
}

fn lock(position: &Mutex<Position>) -> MutexGuard<'_, Position> {
    position.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A checkpointer in memory, for the life of the process.
///
/// ```
/// use fabric_gateway_client::{Checkpointer, InMemoryCheckpointer};
///
/// # fn main() -> Result<(), fabric_gateway_client::Error> {
/// let checkpointer = InMemoryCheckpointer::new();
/// assert_eq!(checkpointer.block_number(), None);
/// checkpointer.checkpoint_transaction(7, "txA")?;
/// assert_eq!((checkpointer.block_number(), checkpointer.transaction_id()), (Some(7), Some("txA".into())));
/// checkpointer.checkpoint_block(7)?;
/// assert_eq!((checkpointer.block_number(), checkpointer.transaction_id()), (Some(8), None));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct InMemoryCheckpointer {
    position: Mutex<Position>,
}

impl InMemoryCheckpointer {
    /// A checkpointer with no position.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl Checkpointer for InMemoryCheckpointer {
    fn block_number(&self) -> Option<u64> {
        lock(&self.position).block_number
    }

    fn transaction_id(&self) -> Option<String> {
        lock(&self.position).transaction_id.clone()
    }

    fn checkpoint_block(&self, block_number: u64) -> Result<(), Error> {
        *lock(&self.position) = Position::after_block(block_number);
        Ok(())
    }

    fn checkpoint_transaction(&self, block_number: u64, transaction_id: &str) -> Result<(), Error> {
        *lock(&self.position) = Position::at_transaction(block_number, transaction_id);
        Ok(())
    }
}

/// A checkpointer persisted in a JSON file, in the Node client's format
/// (`{"blockNumber":"42","transactionId":"…"}`), so a consumer resumes
/// after a restart. Each checkpoint rewrites the file (write, then rename).
///
/// ```
/// use fabric_gateway_client::{Checkpointer, FileCheckpointer};
///
/// # fn main() -> Result<(), fabric_gateway_client::Error> {
/// let path = std::env::temp_dir().join(format!("checkpoint-doc-{}.json", std::process::id()));
/// let checkpointer = FileCheckpointer::open(&path)?;
/// checkpointer.checkpoint_transaction(3, "txA")?;
/// let reopened = FileCheckpointer::open(&path)?;
/// assert_eq!(reopened.block_number(), Some(3));
/// assert_eq!(reopened.transaction_id().as_deref(), Some("txA"));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileCheckpointer {
    path: PathBuf,
    position: Mutex<Position>,
}

impl FileCheckpointer {
    /// Opens (or creates) a checkpoint file.
    ///
    /// # Errors
    /// [`Error::Checkpoint`] if the file cannot be read, parsed or written.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        let position = match std::fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Position::default(),
            Ok(bytes) => parse(&bytes).map_err(|message| Error::Checkpoint {
                path: path.clone(),
                message,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Position::default(),
            Err(e) => {
                return Err(Error::Checkpoint {
                    path,
                    message: e.to_string(),
                });
            }
        };
        let checkpointer = Self {
            path,
            position: Mutex::new(Position::default()),
        };
        checkpointer.store(position)?;
        Ok(checkpointer)
    }

    /// The checkpoint file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn store(&self, position: Position) -> Result<(), Error> {
        let mut guard = lock(&self.position);
        let mut json = serde_json::Map::new();
        if let Some(block) = position.block_number {
            json.insert("blockNumber".into(), block.to_string().into());
        }
        if let Some(transaction_id) = &position.transaction_id {
            json.insert("transactionId".into(), transaction_id.clone().into());
        }
        let text = serde_json::Value::Object(json).to_string();
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|e| Error::Checkpoint {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        *guard = position;
        Ok(())
    }
}

fn parse(bytes: &[u8]) -> Result<Position, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    let block_number = match object.get("blockNumber") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(
            s.parse::<u64>()
                .map_err(|_| format!("blockNumber {s:?} is not a block number"))?,
        ),
        Some(serde_json::Value::Number(n)) => Some(
            n.as_u64()
                .ok_or(format!("blockNumber {n} is not a block number"))?,
        ),
        Some(other) => return Err(format!("blockNumber {other} is not a block number")),
    };
    let transaction_id = match object.get("transactionId") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("transactionId {other} is not a string")),
    };
    Ok(Position {
        block_number,
        transaction_id,
    })
}

impl Checkpointer for FileCheckpointer {
    fn block_number(&self) -> Option<u64> {
        lock(&self.position).block_number
    }

    fn transaction_id(&self) -> Option<String> {
        lock(&self.position).transaction_id.clone()
    }

    fn checkpoint_block(&self, block_number: u64) -> Result<(), Error> {
        self.store(Position::after_block(block_number))
    }

    fn checkpoint_transaction(&self, block_number: u64, transaction_id: &str) -> Result<(), Error> {
        self.store(Position::at_transaction(block_number, transaction_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_format_is_nodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.json");
        let checkpointer = FileCheckpointer::open(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        checkpointer.checkpoint_transaction(12, "abc").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"blockNumber": "12", "transactionId": "abc"})
        );
        checkpointer.checkpoint_block(12).unwrap();
        let reopened = FileCheckpointer::open(&path).unwrap();
        assert_eq!(reopened.block_number(), Some(13));
        assert_eq!(reopened.transaction_id(), None);
    }

    #[test]
    fn numeric_block_numbers_are_read_and_garbage_is_an_error() {
        assert_eq!(
            parse(br#"{"blockNumber": 5}"#).unwrap().block_number,
            Some(5)
        );
        for bad in [
            &b"[1]"[..],
            br#"{"blockNumber": "x"}"#,
            br#"{"blockNumber": -1}"#,
            br#"{"transactionId": 3}"#,
            b"not json",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, "{").unwrap();
        let error = FileCheckpointer::open(&path).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("checkpoint {}", path.display()))
        );
    }
}
