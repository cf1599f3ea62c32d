#!/usr/bin/env bash
# The benchmark.yml `ab` job's steps, run locally in a git checkout of the change:
#   examples/ci/ab-local.sh MODEL [BASE_REF] [extra bench ab flags...]
# MODEL is the .onnx file's path in the repository, BASE_REF the base branch (default main).
# BENCH is the bench command (default npx bench). Exits as bench ab does: 0, 1 (regression) or 2.
set -euo pipefail
model=${1:?usage: ab-local.sh MODEL [BASE_REF] [flags...]}
base=${2:-main}
shift $(( $# >= 2 ? 2 : 1 ))
bench=${BENCH:-npx bench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git show "$base:$model" > "$tmp/base-model.onnx"
$bench ab --a "$tmp/base-model.onnx" --b "$model" --threads 1 --rel-ci 1 --max-duration 300 \
  --fail-on-regression 3 --out ab.json --force --quiet "$@"
