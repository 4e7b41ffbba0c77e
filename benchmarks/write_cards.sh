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
python -m kgqa.train.card data/models/reader \
  --results $R/qa-squad-dev/results.json $R/qa-squad-dev-2000/results.json $R/qa-squad-dev-2000-fp32/results.json \
            $R/qa-squad-dev-2000-int8/results.json \
  --note "Training ran on the project's 2-core CPU (no GPU in either task) in two stages, both with kgqa train qa on SQuAD v1.1 train. Stage 1 (session 1, float32): 1,050 steps of 32 answer-centred 192-token windows at a peak learning rate of 1e-4, stopped by the time budget; its best checkpoint (step 900, 28,800 windows) was shipped then. Stage 2 (session 2, bf16 autocast on the CPU, 1.6 times faster per step): 1,500 steps of 32 windows from the stage-1 weights, peak learning rate 5e-5 decayed linearly to 0, 70 minutes. In all the shipped model saw 76,800 windows, about 0.87 epoch of the 88k training windows." \
  --note "Target of the issue: SQuAD v1.1 dev F1 at least 80 (aim 86). Not met: full SQuAD v1.1 dev (10,570 questions) EM 66.9 / F1 77.4 (kgqa bench qa, bf16 autocast), up from 61.9 / 73.5 after stage 1. The dev curve was still rising slowly when the schedule ended (78.1, 78.4, 78.1, 78.7 on the 500-question sample at steps 1,050 to 1,500); what limited it was CPU time (about 0.9 epoch in 3 hours of training). A full 2-epoch run is the same command with --num-epochs 2 on a GPU." \
  --note "Model selection: checkpoints were compared on a seeded 500-question sample of SQuAD v1.1 dev (no other SQuAD dev split exists offline), so the dev numbers above include that sample; 17 checkpoints were compared over the two stages, nothing else was tuned on dev." \
  --note "Precision on the same seeded 2,000 dev questions: float32 EM 66.7 / F1 77.6, bf16 autocast (the default on this CPU) 66.7 / 77.6 (-0.1 F1), int8 dynamic quantisation 62.3 / 73.3 (-4.3 F1). int8 is an option (quantize=True), not the default." \
  --note "Inference windows: 256 tokens with a 96-token stride; training windows: 192 tokens centred on the answer (5% answerless windows labelled [CLS])."
