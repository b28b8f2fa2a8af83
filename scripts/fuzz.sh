#!/usr/bin/env bash
# Runs each fuzz target (fuzz/README.md) for a while, from its committed corpus, and fails on
# the first crash it finds (libFuzzer leaves the input in fuzz/artifacts/<target>/).
#   scripts/fuzz.sh              # 60 s per target, as CI runs them
#   scripts/fuzz.sh 1500         # longer runs, to record in fuzz/README.md
# Installs cargo-fuzz from crates.io when it is missing. With a nightly toolchain the targets
# run under AddressSanitizer; on stable without a sanitizer (coverage still guides them).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${1:-60}"
export CARGO_TARGET_DIR="${JUNCTION_FUZZ_TARGET:-$HOME/.cache/junction-fuzz-target}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo install cargo-fuzz (a few minutes the first time)"
  cargo install --locked cargo-fuzz
fi
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
  sanitizer=address
else
  toolchain=()
  sanitizer=none
fi

for target in $(cargo fuzz list); do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  # New inputs go to a scratch directory: the committed corpus changes only when asked.
  scratch="$(mktemp -d)"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s (sanitizer: $sanitizer)"
  log="$scratch.log"
  status=0
  cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" "$target" "$scratch" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -close_fd_mask=3 >"$log" 2>&1 ||
    status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )|panicked|SUMMARY|ERROR|crash-' "$log" || true
  [ "$status" = 0 ] || tail -40 "$log"
  rm -f "$log"
  rm -rf "$scratch"
  [ "$status" = 0 ] || { echo "fuzz: $target failed (exit $status)"; exit 1; }
done
