#!/usr/bin/env bash
# Times `slflow apply` on a batch of N import-dataset steps against `slflow sim` on 127.0.0.1
# (jobs at --speed 1000, polls from 100 ms backing off to 1 s, so the time is slflow's
# scheduling, polling and state saving, plus the simulator's 12 job workers), then
# a second apply that must skip every step. Prints wall time, peak RSS and state saves.
# Usage: benches/apply.sh [N ...]   (default: 200 1000). Needs GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/slflow
dir=$(mktemp -d)
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" sim --listen 127.0.0.1:0 --speed 1000 2> "$dir/sim.log" &
sim_pid=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/sim.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the simulator did not start" >&2; exit 1; }

template=examples/data/sample1.subreadset.xml
for n in "${@:-200 1000}"; do
  work="$dir/batch_$n"
  mkdir -p "$work/data"
  {
    echo 'version = 1'
    echo "name = \"batch-$n\""
    echo '[defaults]'
    echo 'poll_interval = "100ms"'
    echo 'poll_max = "1s"'
    for ((i = 0; i < n; i++)); do
      uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
      sed "s/UniqueId=\"818ebaa5-8b13-003f-0c49-9e1664f66a2a\"/UniqueId=\"$uuid\"/" "$template" \
        > "$work/data/s$i.subreadset.xml"
      printf '[steps.import_%d]\nkind = "import-dataset"\npath = "data/s%d.subreadset.xml"\n' "$i" "$i"
    done
  } > "$work/batch.toml"
  for pass in first second; do
    /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" apply "$work/batch.toml" --server "$url" \
      --concurrency 16 -q > /dev/null
    read -r secs kb < "$dir/time"
    saves=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['serial'])" \
      "$work/.slflow/batch.state.json")
    printf '%-6s apply %5d imports  %6.2f s wall  %6.1f MB peak RSS  state serial %d\n' \
      "$pass" "$n" "$secs" "$(echo "$kb / 1024" | bc -l)" "$saves"
  done
done
