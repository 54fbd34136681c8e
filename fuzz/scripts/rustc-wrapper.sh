#!/usr/bin/env bash
# Optional RUSTC_WRAPPER for fuzz builds: compiles a few third-party crates *without* cargo-fuzz's
# coverage instrumentation. They run on every fuzz iteration but are not under test, and their
# instrumented code dominated the profile (csv_core builds a parser table for every file and every
# parallel range the library opens; chrono-tz is searched ~146,000 times whenever a case's offset
# table is built). Every other crate, premium-claims included, keeps full instrumentation.
#
#   RUSTC_WRAPPER=$PWD/fuzz/scripts/rustc-wrapper.sh RUSTC_BOOTSTRAP=1 cargo fuzz build -s none
#
# Cargo calls it as: rustc-wrapper.sh /path/to/rustc ARGS...
uninstrumented=" csv_core chrono chrono_tz sha2 memchr "
crate=""
prev=""
for a in "$@"; do
  if [ "$prev" = "--crate-name" ]; then crate="$a"; fi
  prev="$a"
done
if [ -n "$crate" ] && [[ "$uninstrumented" == *" $crate "* ]]; then
  args=()
  for a in "$@"; do
    case "$a" in
      -Cpasses=sancov-module | -Cllvm-args=-sanitizer-coverage-*) ;;
      *) args+=("$a") ;;
    esac
  done
  exec "${args[@]}"
fi
exec "$@"
