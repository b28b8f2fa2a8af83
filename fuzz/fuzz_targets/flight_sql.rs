//! What a Flight SQL client sends, decoded as the server decodes it: a command (the `Any` in
//! a FlightDescriptor, a Ticket or an Action's body) and a parameter binding (a DoPut's
//! FlightData messages read into record batches). Whatever arrives answers a value or an
//! error. A command's decoding never panics; arrow-ipc's reader panics on some malformed
//! bindings, which the server catches (gateway/src/flight/binding.rs), so this target catches
//! them too and looks for what no server can catch: an abort, an allocation sized by the
//! client, a stack overflow, a hang.

#![no_main]

use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::error::FlightError;
use arrow_flight::sql::{Any, Command};
use arrow_flight::FlightData;
use futures::TryStreamExt;
use libfuzzer_sys::fuzz_target;
use prost::Message;

/// The FlightData messages of `bytes`, each prefixed by its length (two bytes, little
/// endian); `None` where one is no FlightData.
fn messages(mut bytes: &[u8]) -> Option<Vec<FlightData>> {
    let mut messages = Vec::new();
    while let [low, high, rest @ ..] = bytes {
        let length = usize::from(u16::from_le_bytes([*low, *high])).min(rest.len());
        let (message, after) = rest.split_at(length);
        messages.push(FlightData::decode(message).ok()?);
        bytes = after;
    }
    Some(messages)
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    if kind & 1 == 0 {
        if let Ok(any) = Any::decode(bytes) {
            let _ = Command::try_from(any);
        }
        return;
    }
    let Some(messages) = messages(bytes) else {
        return;
    };
    // libfuzzer-sys's panic hook aborts; the server's guard unwinds instead.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = std::panic::catch_unwind(|| {
        let stream = FlightRecordBatchStream::new_from_flight_data(futures::stream::iter(
            messages.into_iter().map(Ok::<_, FlightError>),
        ));
        futures::executor::block_on(stream.try_collect::<Vec<_>>())
    });
});
