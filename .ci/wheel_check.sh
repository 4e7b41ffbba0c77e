#!/usr/bin/env bash
# CI: a wheel built from the checkout works on its own. It is installed WITHOUT extras into a fresh
# virtual environment; from an empty folder (no checkout on the path, KGQA_HOME unset) `kgqa demo`
# and `kgqa ask` must answer from the world and models the wheel carries, and no optional package
# (plotting, BM25, LoRA) may have been installed.
# Usage: bash .ci/wheel_check.sh   (PYTHON=python3.x to choose the interpreter; KEEP=1 keeps the temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PY="${PYTHON:-python3}"
MAX_MB=100
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset KGQA_HOME KGQA_MODELS PYTHONPATH VIRTUAL_ENV

TMP="$(mktemp -d "${TMPDIR:-/tmp}/kgqa-wheel-check.XXXXXX")"
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$TMP"' EXIT; fi
passed=0
failed=0
check() {  # check NAME COMMAND...: run COMMAND, count and print the outcome
  local name="$1"
  shift
  if "$@"; then
    echo "wheel check: ok     $name"
    passed=$((passed + 1))
  else
    echo "wheel check: FAILED $name"
    failed=$((failed + 1))
  fi
}

echo "wheel check: fresh venv in $TMP/venv"
"$PY" -m venv "$TMP/venv"
VPY="$TMP/venv/bin/python"
"$VPY" -m pip install -q --upgrade pip
echo "wheel check: building the wheel from $REPO"
"$VPY" -m pip wheel -q --no-deps -w "$TMP/dist" "$REPO"
WHEEL="$(ls "$TMP"/dist/kgqa-*.whl)"

wheel_size_ok() {
  local bytes
  bytes=$(stat -c %s "$WHEEL")
  echo "wheel check: $(basename "$WHEEL") is $((bytes / 1024 / 1024)) MB (limit $MAX_MB MB)"
  [ "$bytes" -lt $((MAX_MB * 1024 * 1024)) ]
}
wheel_contents_ok() {  # the shipped world and both models are inside (their tokenizer is the base package's); nothing from outside the repository
  "$VPY" - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["kgqa/_assets/graphs/ontology.ttl", "kgqa/_assets/data/index/index.faiss", "kgqa/trace_schema.json"]
need += [f"kgqa/_assets/data/models/{m}/{f}" for m in ("reader", "nli") for f in ("model.safetensors", "kgqa_model.json")]
missing = [n for n in need if n not in names]
stray = [n for n in names if not (n.startswith("kgqa/") or n.startswith("kgqa-"))]
passages = [n for n in names if n.startswith("kgqa/_assets/data/passages/") and n.endswith(".jsonl")]
for what, items in (("missing", missing), ("outside kgqa/", stray)):
    if items:
        print(f"wheel check: {what}: {items[:5]}")
if not passages:
    print("wheel check: no passage files")
sys.exit(1 if missing or stray or not passages else 0)
EOF
}
check "wheel under $MAX_MB MB" wheel_size_ok
check "wheel carries the world and models" wheel_contents_ok

echo "wheel check: installing torch==2.13.0, then the wheel without extras"
"$VPY" -m pip install -q torch==2.13.0
"$VPY" -m pip install -q "$WHEEL"

mkdir "$TMP/empty"
cd "$TMP/empty"
KGQA="$TMP/venv/bin/kgqa"

assets_inside_venv() {
  local root
  root=$("$VPY" -c "from kgqa.paths import assets_root; print(assets_root())")
  echo "wheel check: assets_root() = $root"
  [[ "$root" == "$TMP/venv/"* ]]
}
demo_runs() {
  "$KGQA" demo --no-trace >"$TMP/demo.out" 2>"$TMP/demo.err" || { tail -5 "$TMP/demo.err"; return 1; }
  # six questions and two claims, each followed by a separator line
  [ "$(grep -c -E '^-{78}$' "$TMP/demo.out")" -eq 8 ] || { head -20 "$TMP/demo.out"; return 1; }
}
ask_answers() {
  "$KGQA" ask "Who wrote Hamlet?" --no-trace >"$TMP/ask.out" 2>"$TMP/ask.err" || { tail -5 "$TMP/ask.err"; return 1; }
  head -3 "$TMP/ask.out"
  grep -q "Shakespeare" "$TMP/ask.out"
}
no_optional_packages() {
  local found
  found=$("$VPY" -m pip list --format=freeze | grep -i -E '^(matplotlib|rank[-_]bm25|peft|bm25s|pymilvus|milvus[-_]lite|oxigraph)==' | tr '\n' ' ' || true)
  [ -z "$found" ] || { echo "wheel check: installed without extras, yet present: $found"; return 1; }
}
check "installed kgqa reads its assets from site-packages" assets_inside_venv
check "kgqa demo" demo_runs
check "kgqa ask \"Who wrote Hamlet?\"" ask_answers
check "no plotting, BM25, LoRA or Milvus package installed" no_optional_packages

echo "wheel check finished: $passed of $((passed + failed)) checks ok"
[ "$failed" -eq 0 ]
