//! The write batch: writes buffered in the stub and sent in WRITE_BATCH_STATE
//! chunks (Fabric 3.1 and later).

use std::collections::HashMap;

use crate::proto::protos::WriteRecord;

/// Buffered writes: the last write per (collection, key, data-or-metadata)
/// wins and keeps the position of the first write to that target, so the
/// send order is deterministic (Go sends in map order).
#[derive(Debug, Default)]
pub(crate) struct WriteBatch {
    records: Vec<WriteRecord>,
    index: HashMap<(String, String, bool), usize>,
}

impl WriteBatch {
    pub fn push(&mut self, record: WriteRecord) {
        let is_metadata =
            record.r#type == crate::proto::protos::write_record::Type::PutStateMetadata as i32;
        let target = (record.collection.clone(), record.key.clone(), is_metadata);
        match self.index.get(&target) {
            Some(&i) => self.records[i] = record,
            None => {
                self.index.insert(target, self.records.len());
                self.records.push(record);
            }
        }
    }

    pub fn into_records(self) -> Vec<WriteRecord> {
        self.records
    }
}
