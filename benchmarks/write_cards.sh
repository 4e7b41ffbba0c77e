#!/usr/bin/env bash
# Regenerate the model cards (data/models/*/README.md) from the models' metadata, logs and benchmarks/results.
set -euo pipefail
cd "$(dirname "$0")/.."
R=benchmarks/results
python -m kgqa.train.card data/models/nli \
  --results $R/nli-mnli-heldout/results.json $R/nli-mnli-heldout-int8/results.json $R/nli-sick-test/results.json \
            $R/nli-rte-dev/results.json $R/nli-hans/results.json \
  --note "Training ran on the project's 2-core CPU (no GPU in this task) for 50 minutes of wall time: 1,500 optimiser steps of 32 pairs, about 1.5 epochs of the 31.7k-pair mixture, sharing the CPU with the reader's training; it was stopped at step 1,500 to give the reader both cores. The schedule was set for 3 epochs (2,976 steps), so the learning rate never decayed fully. The shipped weights are the best dev checkpoint, step 1,200 (dev accuracy 0.694)." \
  --note "Targets of the issue vs measured: MNLI-m held-out 0.613 (target 0.78), SICK test 0.845 (target 0.85), RTE dev 0.585 (target 0.65), HANS non-entailment 0.038 (target 0.50; per heuristic: lexical overlap 0.004, subsequence 0.059, constituent 0.052). None of the targets is met yet: the training data (no MNLI/SNLI train set offline, 31.7k pairs in all) and the CPU time limit it." \
  --note "int8 dynamic quantisation (kgqa bench nli --quantize): MNLI-m held-out accuracy 0.613 -> 0.599 (-1.4 points)." \
  --note "Full fine-tuning vs LoRA at an equal budget (300 steps of 32 pairs, same data and dev set, schedule decayed to 0 at step 300): full (lr 6e-5) dev accuracy 0.553; LoRA r=16, alpha=32 on query/key/value/dense plus the classifier head (lr 5e-4) 0.554. Commands: kgqa train nli --output-dir runs/nli-cmp-full --max-steps 300 --learning-rate 6e-5 --eval-every 150 --max-eval-samples 1500, and the same with --lora --lora-r 16 --lora-alpha 32 --learning-rate 5e-4. LoRA trains 0.68M parameters (adapters and head) against 11.0M for full fine-tuning with frozen word embeddings, but was not faster per step on this CPU (the backward pass still runs through every layer)." \
  --note "SNLI dev is part of the training mixture, so no SNLI number is reported as held out."
