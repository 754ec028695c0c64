/**
 * Help texts of the commands, kept apart from the commands so that `naspoison <command> --help`
 * prints without loading TensorFlow.js or the training stack (~2 s).
 */
import { DEFAULT_STORE_PATH } from '../run/defaults.js';

/** The best NB201 cell on CIFAR-10 in the benchmark: a sensible default to train. */
export const DEFAULT_GENOTYPE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

export const CALIBRATE_HELP = `Usage: naspoison calibrate [options]

Measures a tier with its own evaluation recipe: the random baseline's R cells (the very evaluations
runs use), one cell (the first baseline cell) under k seeds for the seed noise, and two reference
cells (the best-known NB201 cell, the all-3×3 cell) under the same k seeds; headroom = best reference
mean − random mean. Then, for every poisoningMatrix of benchmarks/**/*.spec.ts, the power of each
hypothesis at the tier's trials per arm for a drop of the tier's margin δ and of the headroom, and the
trials per arm 80% power needs, at the seed-noise sd and at the random-cell sd.
Every evaluation and the record are cached in the store: a second call with nothing changed is
served from the cache in seconds.

Options:
  --tier <name|file>  smoke | standard | paper | path to a tier JSON (default: NASPOISON_TIER or smoke)
  --seeds <k>         seeds of the seed-noise and reference cells, 2 or more (default 5)
  --backend <name>    auto | tensorflow | webgpu | wasm | cpu (default: NASPOISON_BACKEND or auto)
  --store <path>      result store (default ${DEFAULT_STORE_PATH})
  --data-dir <dir>    IDX or CIFAR binary files instead of the built-in data
  --fixture           use the committed Fashion-MNIST subset even if the full set is installed
  --json              print the calibration record (and the power table) as JSON on stdout
  -h, --help          show this help
`;

export const DOCTOR_HELP = `Usage: naspoison doctor [--json]

Checks each TensorFlow.js backend (tensorflow, webgpu, wasm, cpu): whether it loads here and, if not,
why; which data naspoison will use; and the machine. Exit code 0 when at least one training backend
other than the pure-JS cpu one is usable.
`;

export const LEADERBOARD_HELP = `Usage: naspoison leaderboard [options] [run id...]

Ranks NAS methods by mean ΔImp under each attack and budget, pooling the given runs (default: every
run with results in the store), with 95% intervals and rank groups of methods no test separates
(two-sided Welch, Benjamini–Hochberg). Runs must share protocol, tier, dataset and recipe.
Writes <out>/leaderboard.md and <out>/leaderboard.html.

Options:
  --store <path>      result store (default ${DEFAULT_STORE_PATH})
  --results <file>    add a results.json written by a report (repeatable)
  --out <dir>         output folder (default reports/leaderboard)
  -h, --help          show this help
`;

export const MERGE_HELP = `Usage: naspoison merge <target.db> <shard.db>...

Copies trials, runs and cached results of sharded stores into the target (created if missing).
Identical entries are skipped (timings aside); an entry whose key the target has with different
results is a conflict: it is reported and left unchanged in the target, the other entries are
merged (exit 1).

Stores of "naspoison run --shard i/n" are checked first: shards of different code versions, tiers,
backends, datasets, shard counts or plans (spec files and filters) are refused with the reason and
nothing is written (exit 1). Then it says which shards of the plan the target holds and prints the
command that computes the verdicts and the report over it: "naspoison run --store <target>" with
the shards' tier, backend and spec filters, which finds every trial stored and trains nothing.
`;

export const REPORT_HELP = `Usage: naspoison report [options] [run id]

Renders reports/<run id>/report.md, index.html and results.json (schema-checked) from the store.
Without a run id: the latest run that has results. Does not train anything, and opens the store
read-only (nothing is written beside it, so a store on read-only media can be reported).

Options:
  --store <path>   result store (default ${DEFAULT_STORE_PATH})
  --out <dir>      report folder root (default reports)
  --title <text>   report title
  --list           list every recorded run (oldest first) with its state — finished and its exit
                   code, running, or interrupted (killed before it recorded an end) — and exit
  -h, --help       show this help
`;

export const RUN_HELP = `Usage: naspoison run [options] [spec filter...]

Runs the poisoning spec files (benchmarks/**/*.spec.ts; a filter narrows them, e.g. "pdarts") at a
tier, stores every trial, and writes reports/<run id>/report.md, index.html and results.json.
Trials already in the store are not rerun, so an interrupted run resumes where it stopped.

Every assertion ends with a verdict: harm shown, no harm beyond the margin δ, or inconclusive. An
assertion its verdict does not decide is "underpowered at this tier" (shown as a skip, with the
smallest detectable effect and the trials per arm that would decide it), never a pass.

Options:
  --tier <name|file>  smoke | standard | paper | path to a tier JSON (default: NASPOISON_TIER or smoke)
  --backend <name>    auto | tensorflow | webgpu | wasm | cpu (default: NASPOISON_BACKEND or auto)
  --store <path>      result store (default: NASPOISON_STORE or ${DEFAULT_STORE_PATH})
  --data-dir <dir>    IDX or CIFAR binary files instead of the built-in data
  --fixture           use the committed Fashion-MNIST subset even if the full set is installed
  --out <dir>         report folder root (default reports)
  --run-id <id>       name the run (default: the start time)
  --no-report         skip the report
  --strict            count underpowered assertions as failures
  --shard <i/n>       compute only shard i of n (1 ≤ i ≤ n) of the run's trials — all matrices of all
                      selected spec files, dealt by estimated cost — and no verdicts or report; merge
                      the n shards' stores with "naspoison merge", then run over the merged store
  --all               run every spec file, also at a tier that names a default subset (the smoke
                      tier runs a documented subset without filters, to keep to its time target)
  --plugin <module>   a plugin module (file path or package) every process of the run imports before
                      it runs a trial (repeatable); *.plugin.ts files beside the selected spec files
                      are imported without it
  -h, --help          show this help

Spec files are checked before anything is recorded: a matrix that names an unknown NAS method,
attack or defence, a budget outside (0, 1) or parameters its attack or defence refuses is a usage
error naming the file. Every poison passes the provenance verifier before a search reads it; one
that fails (or a cached one that was altered) is refused with the reason and stops the run.

Plugins: register your NAS methods, attacks and defences in a plugin module — a *.plugin.ts file beside your
spec file, or one named with --plugin — not in the spec file itself: trial worker processes import
the run's plugin modules, never its spec files.

Several runs on one store share its trials: each trial is claimed before it is computed, a trial
another live process holds is waited for, and one whose process died is taken over.

Exit codes: 0 no decided assertion failed (underpowered ones are reported, not failed, unless
--strict), 1 an assertion failed, a spec errored or a poison was refused, 2 usage error. With --shard: 0 every trial of
the shard is stored, 1 one errored or the run failed.
`;

export const TRAIN_HELP = `Usage: naspoison train [options]

Train one NAS-Bench-201 architecture on clean data with the tier's evaluation recipe and print its
test accuracy and time. Results are cached in the store (same genotype class, data, recipe, seed and
backend → no retraining).

Options:
  --genotype <str>   NB201 cell string (default: ${DEFAULT_GENOTYPE})
  --index <n>        genotype by index 0..15624 instead
  --random           a uniformly drawn (non-degenerate) genotype, from --seed
  --tier <name|file> smoke | standard | paper | path to a tier JSON (default: NASPOISON_TIER or smoke)
  --epochs <n>       override the recipe's epoch count
  --seed <n>         seed for weights and batch order (default 0)
  --data-dir <dir>   IDX or CIFAR binary files to use instead of the built-in data
  --fixture          use the committed Fashion-MNIST subset even if the full set is installed
  --backend <name>   auto | tensorflow | webgpu | wasm | cpu (default: NASPOISON_BACKEND or auto)
  --store <path>     store for the cache (default .naspoison/store.db)
  --no-cache         always retrain
  --json             print the result as JSON on stdout
  -h, --help         show this help
`;
