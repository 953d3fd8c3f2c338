#!/usr/bin/env bash
# Times `slflow validate` and `slflow plan` on generated manifests of N steps (a batch of
# imports, analyses and report-metrics, a third each) and prints wall time and peak RSS.
# Usage: benches/plan.sh [N ...]   (default: 10000 100000). Needs GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/slflow
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

generate() {
  local n=$1 out=$2 batches=$(( $1 / 3 ))
  {
    echo 'version = 1'
    echo 'name = "bench"'
    echo '[vars]'
    echo 'root = "/data/movies"'
    echo 'min_concordance = 0.8'
    echo '[server]'
    echo 'url = "http://localhost:9091"'
    for ((i = 0; i < batches; i++)); do
      printf '[steps.import_%d]\nkind = "import-dataset"\npath = "{{ vars.root }}/m%d.subreadset.xml"\n' "$i" "$i"
      printf '[steps.align_%d]\nkind = "analysis"\npipeline = "pb_align_ccs"\nname = "align %d"\n' "$i" "$i"
      printf 'entry_points = { eid_ccs = "{{ steps.import_%d.uuid }}", eid_ref_dataset = 1 }\n' "$i"
      printf '[steps.metrics_%d]\nkind = "report-metrics"\njob = "{{ steps.align_%d.id }}"\n' "$i" "$i"
      printf 'reports = ["*.report_mapping_stats"]\nexpect = { blast_identity = { ge = "{{ vars.min_concordance }}" } }\n'
    done
  } > "$out"
}

for n in "${@:-10000 100000}"; do
  for count in $n; do
    manifest="$dir/bench_$count.toml"
    generate "$count" "$manifest"
    for cmd in validate plan; do
      /usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$bin" "$cmd" "$manifest" > /dev/null
      read -r secs user sys kb < "$dir/time"
      printf '%-8s %7d steps  %6.2f s wall  %6.2f s CPU  %7.1f MB peak RSS\n' \
        "$cmd" "$((count / 3 * 3))" "$secs" "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
    done
  done
done
