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
  --results $R/qa-squad-dev/results.json $R/qa-squad-dev-2000/results.json $R/qa-squad-dev-2000-int8/results.json \
  --note "Training ran on the project's 2-core CPU (no GPU in this task): 1,050 optimiser steps of 32 answer-centred windows (about 33,600 windows, 0.38 epoch of SQuAD v1.1 train), 108 minutes of wall time, the first 50 minutes on one thread beside the NLI training. It was stopped at step 1,050 of a schedule set for 1,500 steps to leave time for evaluation; the learning rate had decayed to 30% of its peak. The shipped weights are the best dev checkpoint (step 900; F1 74.6 on the 500-question dev sample used for early stopping)." \
  --note "Target of the issue: SQuAD v1.1 dev F1 at least 80 (aim 86). Not met yet: the reader saw a third of one epoch; full SQuAD v1.1 dev: EM 61.9, F1 73.5 (kgqa bench qa); the dev curve was still rising (51.6 at step 150, 66.2 at 300, 72.0 at 600, 74.6 at 900, 73.8 at 1,050). Continue with kgqa train qa --output-dir runs/qa --resume on a longer budget or a GPU." \
  --note "Model selection: the best checkpoint was chosen on a seeded 500-question sample of SQuAD v1.1 dev (no other SQuAD dev split exists offline), so the dev numbers above include that sample; 7 checkpoints were compared, nothing else was tuned on dev." \
  --note "int8 dynamic quantisation (kgqa bench qa --quantize) on the same seeded 2,000 dev questions: EM 62.2 -> 56.2, F1 73.4 -> 68.4 (-5.0 F1); it is an option (quantize=True), not the default." \
  --note "Inference windows: 256 tokens with a 96-token stride; training windows: 192 tokens centred on the answer (5% answerless windows labelled [CLS])."
