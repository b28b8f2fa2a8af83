//! `junction hash-password`: the verifier a `[[user]] password` holds, made from a password
//! read from the terminal (not echoed, asked twice) or from standard input, never from the
//! command line, where other users of the machine could read it.

use std::io::{BufRead, IsTerminal};
use std::num::NonZeroU32;

use crate::auth::ScramVerifier;

/// The verifier of the password read, in PostgreSQL's format.
pub fn run(iterations: u32) -> Result<String, String> {
    let iterations =
        NonZeroU32::new(iterations).ok_or_else(|| "--iterations must be at least 1".to_owned())?;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if first != again {
            return Err("the passwords do not match".to_owned());
        }
        first
    } else {
        read_line(std::io::stdin().lock())?
    };
    if password.is_empty() {
        return Err("the password is empty".to_owned());
    }
    Ok(ScramVerifier::new(&password, iterations).to_string())
}

/// The first line of `input`, without its line ending.
fn read_line(mut input: impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_is_the_password_without_its_ending() {
        for input in ["pencil\n", "pencil\r\n", "pencil", "pencil\nsecond line\n"] {
            assert_eq!(read_line(input.as_bytes()).expect("read"), "pencil");
        }
        assert_eq!(
            read_line(" spaced \n".as_bytes()).expect("read"),
            " spaced "
        );
    }
}
