#!/usr/bin/env bash
# Every number in benchmarks/README.md comes from one of these commands (2-core CPU, no GPU).
# The models run with --precision auto (bf16 autocast on a CPU with AVX512-BF16/AMX, else fp32);
# the *-fp32 rows measure the same models in float32, the *-int8 rows with dynamic quantisation.
# Usage: bash benchmarks/run_all.sh [suite ...]   (default: all); data from $KGQA_DATA or ../shared/datasets
set -euo pipefail
cd "$(dirname "$0")/.."
D="${KGQA_DATA:-../shared/datasets}"  # relative to the repository root (the script cds there)
OUT=benchmarks/results
SUITES="${*:-}"
want() { [ -z "$SUITES" ] || [[ " $SUITES " == *" $1 "* ]]; }
if want nli; then
  kgqa bench nli --heldout-mnli --out $OUT/nli-mnli-heldout
  kgqa bench nli --heldout-mnli --quantize --out $OUT/nli-mnli-heldout-int8
  kgqa bench nli --heldout-mnli --precision fp32 --out $OUT/nli-mnli-heldout-fp32
  kgqa bench nli --data "$D/nli/sick.jsonl" --split test --out $OUT/nli-sick-test
  kgqa bench nli --data "$D/nli/rte_dev.jsonl" --out $OUT/nli-rte-dev
  kgqa bench nli --data "$D/nli/hans.jsonl" --out $OUT/nli-hans
  kgqa bench nli --unrelated-squad --out $OUT/nli-unrelated-squad
fi
if want qa; then
  kgqa bench qa --data "$D/squad/dev-v1.1.json" --out $OUT/qa-squad-dev
  kgqa bench qa --data "$D/squad/dev-v1.1.json" --limit 2000 --out $OUT/qa-squad-dev-2000
  kgqa bench qa --data "$D/squad/dev-v1.1.json" --derived-unanswerable --limit 2000 --out $OUT/qa-squad-dev-derived-na-2000
  kgqa bench qa --data "$D/squad/dev-v1.1.json" --quantize --limit 2000 --out $OUT/qa-squad-dev-2000-int8
  kgqa bench qa --data "$D/squad/dev-v1.1.json" --precision fp32 --limit 2000 --out $OUT/qa-squad-dev-2000-fp32
fi
if want open-qa; then
  kgqa bench open-qa --data "$D/squad/dev-v1.1.json" --limit 500 --out $OUT/open-qa-squad-dev
fi
if want kgqa; then
  kgqa bench kgqa --limit 300 --out $OUT/kgqa-metaqa
fi
if want factcheck; then
  kgqa bench factcheck --data "$D/factcheck/fever_symmetric_dev.jsonl" --out $OUT/factcheck-fever-symmetric
  kgqa bench factcheck --data "$D/factcheck/climate-fever.jsonl" --out $OUT/factcheck-climate-fever
  kgqa bench factcheck --data "$D/factcheck/wice_claim_dev.jsonl" --out $OUT/factcheck-wice
fi
if want premises; then
  kgqa bench premises --limit 200 --out $OUT/premises
fi
if want false-premise; then
  kgqa bench false-premise --out $OUT/false-premise
fi
if want speed; then
  # the peers (Haystack, transformers 4.x, CrossEncoder) run in their own environment, built once
  # beforehand (benchmarks/README.md: benchmarks/peers-requirements.txt, $KGQA_PEERS_PYTHON); without it
  # the suite measures kgqa alone and records why the peers were skipped
  kgqa bench speed --out $OUT/speed
fi
if want scale; then
  # graph backends at 10k / 300k / 3M triples (the FB15k-237 world's real triples first, synthetic beyond)
  # and vector backends at 20k / 1M synthetic vectors; each measurement in its own process, an hour at
  # most each; about 70 minutes on 2 cores. python -m kgqa.bench (= kgqa bench) so that -v logs progress
  W="${KGQA_WORLD:-/tmp/fbworld}"
  [ -f "$W/kgqa.json" ] || kgqa world build --out "$W"
  python -m kgqa.bench scale --world "$W" --out $OUT/scale -v
fi
if want tog || want fb-premises; then
  # issue 14 on the FB15k-237 world (kgqa world build; the same folder as scale). --passages 200 indexes only
  # the first 200 of its 18,896 SQuAD paragraphs (embedding them all takes over an hour on 1 busy core);
  # drop it, or pass --index DIR (kgqa index build DIR/passages.jsonl --out DIR), for the full world
  W="${KGQA_WORLD:-/tmp/fbworld}"
  [ -f "$W/kgqa.json" ] || kgqa world build --out "$W"
fi
if want tog; then
  # ComplexWebQuestions is the development set; WebQuestions is for measurement only (its records hold no questions)
  kgqa bench tog --dataset cwq --world "$W" --limit 100 --passages 200 --threads 1 --out $OUT/tog-cwq
  kgqa bench tog --dataset webqsp --world "$W" --limit 200 --passages 200 --threads 1 --out $OUT/tog-webqsp
fi
if want fb-premises; then
  kgqa bench fb-premises --world "$W" --limit 100 --passages 200 --threads 1 --out $OUT/fb-premises
fi
