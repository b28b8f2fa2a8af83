//! Bytes from a pg client, decoded as the server decodes them: whatever arrives, a decoder
//! answers a message, "need more bytes" or an error, and never panics or reads past the
//! message it was given.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pgwire::messages::{DecodeContext, PgWireFrontendMessage, ProtocolVersion};

fuzz_target!(|data: &[u8]| {
    let Some((&phase, bytes)) = data.split_first() else {
        return;
    };
    // The connection's phase decides how its bytes read: before SSL negotiation, before
    // startup, or between statements; and the protocol minor version (3.2 has long keys).
    let protocol = if phase & 4 == 0 {
        ProtocolVersion::PROTOCOL3_0
    } else {
        ProtocolVersion::PROTOCOL3_2
    };
    let mut context = DecodeContext::new(protocol);
    context.awaiting_frontend_ssl = phase & 3 == 0;
    context.awaiting_frontend_startup = phase & 3 <= 1;

    let mut buf = BytesMut::from(bytes);
    loop {
        let before = buf.len();
        match PgWireFrontendMessage::decode(&mut buf, &context) {
            Ok(Some(_)) if buf.len() < before => {}
            // A negotiation answer that consumes nothing moves the server to the next
            // phase; anything else that consumed nothing would loop forever.
            Ok(Some(_)) => {
                assert!(context.awaiting_frontend_ssl, "a message consumed no bytes");
                context.awaiting_frontend_ssl = false;
            }
            Ok(None) | Err(_) => return,
        }
        if !context.awaiting_frontend_ssl && context.awaiting_frontend_startup && buf.len() < before
        {
            // A startup or cancel message was read: what follows is the session's.
            context.awaiting_frontend_startup = false;
        }
    }
});
