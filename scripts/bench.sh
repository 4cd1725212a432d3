#!/usr/bin/env bash
# Whole-process benchmark: wall time, throughput and peak memory of `stakelint lint` on
# generated operators (stakelint::fleet) of 1k, 10k and 100k keys (1M with BENCH_1M=1),
# a manifest-only fleet (resources/s), a render with CRDs, the parse-only floor on the same
# files, and checkov on the same manifests when it is installed (pip install checkov).
#
#   scripts/bench.sh [OUTDIR]      # default: target/bench
#   BENCH_1M=1 scripts/bench.sh     # also 1,000,000 keys (about 1 GB of files, minutes)
#
# Each figure is the median of BENCH_RUNS (default 3) runs after one warm-up run (which
# warms the page cache). Key-heavy inputs are timed twice: cold (--no-cache: every public
# key goes through the BLS12-381 subgroup check) and warm (the key cache primed).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/bench}
mkdir -p "$out"
cargo build --release --locked --quiet --bin stakelint --example gen-fleet --example gen-shapes --example parse-floor
bin=target/release/stakelint
gen=target/release/examples/gen-fleet
shapes=target/release/examples/gen-shapes
floor=target/release/examples/parse-floor

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs=${BENCH_RUNS:-3}

# run LABEL CMD... : prints "LABEL wall_s rss_kb" (median of $runs after a warm-up run)
run() {
  local label=$1; shift
  "$@" >/dev/null 2>&1 || true
  local walls=() rss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>&1 || true
    read -r w m < <(tail -1 "$out/time.txt")
    walls+=("$w"); rss+=("$m")
  done
  local w m
  w=$(printf '%s\n' "${walls[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  echo "$label $w $m"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GiB"
echo "cold: --no-cache (every public key validated); warm: the key cache primed by an earlier run"
printf '%-30s %8s %8s %8s %11s %10s %9s %9s\n' "input" "cold s" "warm s" "floor s" "keys/s" "objects/s" "peak MiB" "input MiB"
sizes="1000 10000 100000"
[ "${BENCH_1M:-0}" = 1 ] && sizes="$sizes 1000000"
cache="$out/key-cache"
for keys in $sizes; do
  envs=$(( (keys + 999) / 1000 ))
  dir="$out/fleet-$keys"
  [ -f "$dir/inventory/inventory.yaml" ] || "$gen" --keys "$keys" --environments "$envs" --extra 8 --out "$dir" 2>/dev/null
  bytes=$(du -sb "$dir" | cut -f1)
  objects=$(( envs * 20 ))
  read -r _ cold rss < <(run cold "$bin" lint "$dir" --no-cache --format json -o "$out/lint.json" --fail-on never)
  rm -rf "$cache"
  read -r _ warm _ < <(run warm "$bin" lint "$dir" --cache-dir "$cache" --format json -o "$out/lint.json" --fail-on never)
  read -r _ fwall _ < <(run floor "$floor" "$dir")
  echo "$keys $warm" >> "$out/slope.txt"
  awk -v k="$keys" -v o="$objects" -v c="$cold" -v w="$warm" -v f="$fwall" -v r="$rss" -v b="$bytes" \
    'BEGIN {printf "%-30s %8.2f %8.2f %8.2f %11.0f %10.0f %9.0f %9.0f\n", k " keys, " o " manifests", c, w, f, k/w, o/w, r/1024, b/1048576}'
done
if [ "${BENCH_1M:-0}" = 1 ]; then
  awk '$1 == 100000 {a=$2} $1 == 1000000 {b=$2} END {if (a && b) printf "slope 100k -> 1M keys (warm): %.1fx the time for 10x the keys\n", b/a}' "$out/slope.txt"
fi
rm -f "$out/slope.txt"
# the compliance report (`stakelint report`, JSON) of the 100k-key operator: it digests every
# input (its own key cache, primed by the warm-up run)
read -r _ rwall rrss < <(run report "$bin" report "$out/fleet-100000" --cache-dir "$out/key-cache-report" --format json -o "$out/report.json")
awk -v w="$rwall" -v r="$rrss" -v b="$(du -sb "$out/fleet-100000" | cut -f1)" \
  'BEGIN {printf "report, 100000 keys: %.2f s, peak %.0f MiB (%.1fx the input)\n", w, r/1024, r*1024/b}'
# manifests DIR LABEL [GEN-ARGS...] : generates DIR once, then prints its row and its ratio
# to the parse-only floor
manifests() {
  local dir=$1 label=$2; shift 2
  # (no GEN-ARGS: DIR/deploy is already there)
  if [ $# -gt 0 ] && [ ! -f "$dir/inventory/inventory.yaml" ]; then
    "$gen" --keys 0 "$@" --out "$dir" 2>/dev/null
  fi
  local n wall rss fwall bytes
  n=$(grep -c '^kind:' "$dir"/deploy/*.yaml | awk -F: '{s+=$2} END {print s}')
  # (its own key cache: the user's is neither read nor written; warm after the warm-up run)
  read -r _ wall rss < <(run lint "$bin" lint "$dir/deploy" --cache-dir "$out/key-cache-manifests" --format json -o "$out/lint.json" --fail-on never)
  read -r _ fwall _ < <(run floor "$floor" "$dir/deploy")
  bytes=$(du -sb "$dir/deploy" | cut -f1)
  awk -v n="$n" -v l="$label" -v w="$wall" -v f="$fwall" -v r="$rss" -v b="$bytes" \
    'BEGIN {printf "%-30s %8.2f %8s %8.2f %11s %10.0f %9.0f %9.0f\n", n " resources, " l, w, "-", f, "-", n/w, r/1024, b/1048576; printf "%s: stakelint / parse-only floor: %.2fx\n", l, w/f}'
}
# manifest-only: 22,000 resources, no keys
dir="$out/fleet-manifests"
manifests "$dir" "no keys" --environments 1000 --extra 10
# five times as many: how memory and time grow with manifests alone
manifests "$out/fleet-manifests-110k" "no keys, 5x" --environments 5000 --extra 10
# the same in one namespace (names end in -eNNNN, an environment label on each workload),
# as operators who do not give each environment a namespace lay them out
manifests "$out/fleet-manifests-110k-one-ns" "no keys, 5x, one namespace" --environments 5000 --extra 10 --one-namespace true
# real chart output at scale: the ethpandaops ethereum-node umbrella render of
# ../shared/real-charts (read in place) as 500 environments, each in its own namespace
# (44,500 resources: StatefulSets with probes, resources, claim templates; RBAC; monitors)
real=../shared/real-charts/compliant-umbrella-ethereum-node/rendered.yaml
if [ -f "$real" ]; then
  rdir="$out/real-umbrella-x500"
  if [ ! -f "$rdir/deploy/env-500.yaml" ]; then
    mkdir -p "$rdir/deploy"
    for i in $(seq -w 1 500); do
      sed -e '/^  namespace: /d' -e "/^metadata:\$/a\\  namespace: validators-$i" \
        -e "s/validators-emea-2/validators-$i/g" "$real" > "$rdir/deploy/env-$i.yaml"
    done
  fi
  manifests "$rdir" "real chart x500"
fi
# one stream on stdin, as `helm template … | stakelint lint -` hands it: the same files
# written as one stream (a `---` line before each). The floor here is the parser on one
# thread (it has one stream); stakelint cuts the stream at its document markers.
# stream LABEL DIR NAME
stream() {
  local label=$1 file="$out/stream-$3.yaml"
  [ -f "$file" ] || for f in "$2"/deploy/*.yaml; do echo '---'; cat "$f"; done > "$file"
  local n wall rss fwall bytes
  n=$(grep -c '^kind:' "$file")
  read -r _ wall rss < <(run lint sh -c '"$1" lint - --cache-dir "$2" --format json -o "$3" --fail-on never < "$4"' \
    sh "$bin" "$out/key-cache-manifests" "$out/lint.json" "$file")
  read -r _ fwall _ < <(run floor "$floor" "$file")
  bytes=$(stat -c %s "$file")
  awk -v n="$n" -v l="$label" -v w="$wall" -v f="$fwall" -v r="$rss" -v b="$bytes" \
    'BEGIN {printf "%-30s %8.2f %8s %8.2f %11s %10.0f %9.0f %9.0f\n", n " resources, " l, w, "-", f, "-", n/w, r/1024, b/1048576; printf "%s: stakelint / parse-only floor: %.2fx\n", l, w/f}'
}
stream "one stream on stdin" "$dir" manifests
[ -f "$real" ] && stream "real chart x500, stdin" "$out/real-umbrella-x500" umbrella
# a render that ships its CRDs: 200 environments, each with a CRD of about 220 KiB
manifests "$out/fleet-crds" "200 CRDs" --environments 200 --extra 10 --crd-kib 220
# Linearity by layout: each layout at n and at 5n; time that grows linearly gives a ratio
# near 5 (each of these was quadratic or worse once: see README "Performance").
linear() {
  local label=$1 small=$2 large=$3
  read -r _ t1 _ < <(run small "$bin" lint "$small" --cache-dir "$out/key-cache-manifests" --fail-on never)
  read -r _ t5 _ < <(run large "$bin" lint "$large" --cache-dir "$out/key-cache-manifests" --fail-on never)
  awk -v l="$label" -v a="$t1" -v b="$t5" 'BEGIN {printf "linear: %-44s n: %6.2f s   5n: %6.2f s   ratio %.1f\n", l, a, b, b/a}'
}
for e in 1000 5000; do
  d="$out/shape-one-ns-$e"; [ -f "$d/inventory/inventory.yaml" ] || "$gen" --keys 0 --environments "$e" --extra 10 --one-namespace true --out "$d" 2>/dev/null
  d="$out/shape-annotated-$e"; [ -f "$d/inventory/inventory.yaml" ] || "$gen" --keys 0 --environments "$e" --extra 10 --annotate true --out "$d" 2>/dev/null
done
for n in 4000 20000; do
  d="$out/shape-large-env-$n"; [ -f "$d/inventory.yaml" ] || "$shapes" --shape large-environment --n "$n" --out "$d" 2>/dev/null
done
for n in 1000 5000; do
  d="$out/shape-errors-$n"; [ -f "$d/inventory.yaml" ] || "$shapes" --shape input-errors --n "$n" --out "$d" 2>/dev/null
  d="$out/shape-secret-$n"; [ -f "$d/keys.yaml" ] || "$shapes" --shape large-secret --n "$((n * 5))" --out "$d" 2>/dev/null
done
linear "one namespace (22k / 110k resources)" "$out/shape-one-ns-1000/deploy" "$out/shape-one-ns-5000/deploy"
linear "an ignore annotation per workload (7k / 35k)" "$out/shape-annotated-1000/deploy" "$out/shape-annotated-5000/deploy"
linear "one environment of 4k / 20k validator clients" "$out/shape-large-env-4000" "$out/shape-large-env-20000"
linear "1k / 5k input errors shown (human)" "$out/shape-errors-1000" "$out/shape-errors-5000"
linear "one Secret of 5k / 25k keystores" "$out/shape-secret-1000" "$out/shape-secret-5000"
if command -v checkov >/dev/null 2>&1; then
  small="$out/fleet-checkov"; rm -rf "$small"; mkdir -p "$small"
  cp "$dir"/deploy/env-00[0-9][0-9].yaml "$small"/   # 100 files, 2,200 resources
  m=$(grep -c '^kind:' "$small"/*.yaml | awk -F: '{s+=$2} END {print s}')
  read -r _ sw _ < <(run stakelint "$bin" lint "$small" --format json -o "$out/lint.json" --fail-on never)
  /usr/bin/time -f "%e" -o "$out/time.txt" checkov -d "$small" --framework kubernetes --skip-download --quiet --compact -o json >/dev/null 2>&1 || true
  cw=$(tail -1 "$out/time.txt")
  awk -v m="$m" -v s="$sw" -v c="$cw" 'BEGIN {printf "checkov on %d resources: %.2f s; stakelint: %.2f s; ratio %.0fx\n", m, c, s, c/s}'
fi
