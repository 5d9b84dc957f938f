//! Lazy iterators over range, rich-query and history results.

use std::collections::VecDeque;
use std::marker::PhantomData;

use prost::Message;

use super::ChaincodeStub;
use crate::error::{Error, Result};
use crate::message::{MessageType, encode_outgoing};
use crate::proto::protos::{QueryResponse, QueryResultBytes, QueryStateClose, QueryStateNext};
use crate::proto::queryresult::{KeyModification, Kv};

/// Iterator over the key/value results of a range, partial-composite-key or
/// rich query.
pub type StateQueryIterator = QueryIterator<Kv>;

/// Iterator over the modifications of one key, newest first.
pub type HistoryQueryIterator = QueryIterator<KeyModification>;

/// Results of a query, fetched lazily from the peer in batches.
///
/// The peer sends results in batches (of 100 on Fabric); the iterator asks
/// for the next batch with QUERY_STATE_NEXT only once the current one is
/// used up. Close it with [`QueryIterator::close`] when you stop early; an
/// iterator dropped before its end is closed on the peer before the
/// transaction's next ledger call (and the peer frees everything at the end
/// of the transaction anyway).
///
/// ```no_run
/// # async fn demo(stub: &fabric_chaincode_shim::ChaincodeStub) -> fabric_chaincode_shim::Result<()> {
/// let mut assets = stub.get_state_by_range("asset1", "asset9").await?;
/// while let Some(kv) = assets.next().await? {
///     println!("{} = {} bytes", kv.key, kv.value.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct QueryIterator<T> {
    stub: ChaincodeStub,
    id: String,
    buffer: VecDeque<QueryResultBytes>,
    has_more: bool,
    closed: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T: Message + Default> QueryIterator<T> {
    pub(crate) fn new(stub: ChaincodeStub, response: QueryResponse) -> Self {
        QueryIterator {
            stub,
            id: response.id,
            buffer: response.results.into(),
            has_more: response.has_more,
            closed: false,
            _item: PhantomData,
        }
    }

    /// Whether another result is available (buffered, or on the peer).
    pub fn has_next(&self) -> bool {
        !self.closed && (!self.buffer.is_empty() || self.has_more)
    }

    /// The next result, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<T>> {
        loop {
            if self.closed {
                return Ok(None);
            }
            if let Some(item) = self.buffer.pop_front() {
                return T::decode(item.result_bytes)
                    .map(Some)
                    .map_err(|e| Error::decode("query result", e));
            }
            if !self.has_more {
                return Ok(None);
            }
            let payload = encode_outgoing(&QueryStateNext {
                id: self.id.clone(),
            });
            let bytes = self.stub.call(MessageType::QueryStateNext, payload).await?;
            let response =
                QueryResponse::decode(bytes).map_err(|e| Error::decode("QueryResponse", e))?;
            self.buffer = response.results.into();
            self.has_more = response.has_more;
        }
    }

    /// Reads all remaining results.
    pub async fn collect(mut self) -> Result<Vec<T>> {
        let mut all = Vec::with_capacity(self.buffer.len());
        while let Some(item) = self.next().await? {
            all.push(item);
        }
        Ok(all)
    }

    /// Closes the iterator on the peer (QUERY_STATE_CLOSE) if results remain there.
    pub async fn close(mut self) -> Result<()> {
        self.closed = true;
        self.buffer.clear();
        if std::mem::take(&mut self.has_more) {
            let payload = encode_outgoing(&QueryStateClose {
                id: self.id.clone(),
            });
            self.stub
                .call(MessageType::QueryStateClose, payload)
                .await?;
        }
        Ok(())
    }
}

impl<T> Drop for QueryIterator<T> {
    fn drop(&mut self) {
        if self.has_more && !self.closed {
            self.stub.defer_close(std::mem::take(&mut self.id));
        }
    }
}
