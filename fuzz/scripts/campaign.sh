#!/usr/bin/env bash
# Runs one fuzzing campaign at the lowest CPU priority, with the target's dictionary and input
# size limit, writing libFuzzer's log to $LOGS/<target>.log (default /tmp/premium-claims-fuzz-logs).
#
#   fuzz/scripts/campaign.sh TARGET [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
target=$1
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")/.." && pwd)
logs=${LOGS:-/tmp/premium-claims-fuzz-logs}
mkdir -p "$logs"
case $target in
  case_file) dict=case.dict; max_len=4096 ;;
  data_folder) dict=data_folder.dict; max_len=16384 ;;
  *) dict=csv.dict; max_len=8192 ;;
esac
cd "$here/.."
export RUSTC_BOOTSTRAP=1
export RUSTC_WRAPPER="$here/scripts/rustc-wrapper.sh"
exec nice -n 19 cargo fuzz run -s none "$target" -- \
  -max_total_time="$seconds" -max_len="$max_len" -dict="$here/dicts/$dict" \
  -print_final_stats=1 "$@" >"$logs/$target.log" 2>&1
