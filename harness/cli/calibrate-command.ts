/**
 * `naspoison calibrate`: headroom (best reference cell − random mean) and seed noise of a tier, and
 * the power of the shipped hypotheses at the tier's trial count. Trained evaluations and the record
 * are cached in the store, so a second call with nothing changed takes seconds.
 */
import { CALIBRATE_HELP } from './help.js';
import { parseArgs } from 'node:util';
import { resolveBackendChoice } from '../engine/backend.js';
import { calibrateTier, DEFAULT_CALIBRATION_SEEDS, shippedHypothesesPower, type Calibration, type MatrixPower, type PowerAtDrop } from '../run/calibration.js';
import { prepareRun } from '../run/context.js';
import { buildRunConfig, tierArgument } from '../run/config.js';
import { DEFAULT_STORE_PATH } from '../run/defaults.js';
import { findShippedMatrices } from '../run/shipped-hypotheses.js';
import { loadTier, type Tier } from '../run/tiers.js';
import { DEFAULT_ALPHA, DEFAULT_POWER } from '../stats/index.js';
import { formatDuration, style, UsageError, userInput } from './terminal.js';

function seedCount(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CALIBRATION_SEEDS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 1000) throw new UsageError(`--seeds must be an integer from 2 to 1000, got "${value}"`);
  return n;
}

const pp = (x: number) => `${x.toFixed(2)}`;

function dropLine(d: PowerAtDrop, n: number): string {
  const what = d.drop === 'margin' ? `drop = δ ${pp(d.size)} pp` : `drop = headroom ${pp(d.size)} pp`;
  if (!(d.size > 0)) return `${what.padEnd(26)} no room above random sampling at this tier: there is no such drop to detect`;
  const cells = d.figures.map((f) => {
    const needed = f.needed.n !== null ? `${f.needed.n}` : `>${f.needed.reason.match(/more than (\d+)/)?.[1] ?? '?'}`;
    return `${f.sdKind} sd ${pp(f.sd)}: power ${Number.isNaN(f.power) ? '–' : f.power.toFixed(2)} at n=${n}, ${needed} for ${DEFAULT_POWER * 100}%`;
  });
  return `${what.padEnd(26)} ${cells.join(' · ')}`;
}

/** The readable summary printed on stdout. */
export function formatCalibration(c: Calibration, tier: Tier, matrices: readonly MatrixPower[], fromCache: boolean): string {
  const out: string[] = [];
  const head = `calibration of tier ${c.tier} · ${c.backend} · recipe ${c.recipe} (C=${c.network.channels}, ${c.network.cellsPerStage} cell/stage) · dataset ${c.datasetHash.slice(0, 12)}…`;
  out.push(style.bold(head));
  out.push(
    fromCache
      ? style.yellow(`from cache (made ${c.createdAt}, ${c.evaluations} evaluations in ${formatDuration(c.durationMs)})`)
      : `${c.evaluations} evaluations, ${c.trained} trained, in ${formatDuration(c.durationMs)}`,
  );
  out.push(`random cells       ${pp(c.random.mean)}% ± ${pp(c.random.sd)} (R = ${c.random.samples}; the tier's random baseline)`);
  out.push(`seed noise         sd ${pp(c.seedNoise.sd)} pp over ${c.seedNoise.seeds.length} seeds of ${c.seedNoise.genotype} (mean ${pp(c.seedNoise.mean)}%)`);
  for (const r of c.references) out.push(`reference          ${pp(r.mean)}% ± ${pp(r.sd)} (${r.seeds.length} seeds) ${r.name} ${r.genotype}`);
  out.push(`headroom           ${style.bold(`${pp(c.headroom)} pp`)} (${c.bestReference} − random mean)`);
  out.push('');
  out.push(
    `power of the shipped hypotheses at the trials per arm they run (the tier's ${tier.trials} unless a spec sets its own; one-sided Welch, noncentral t, α = ${DEFAULT_ALPHA} per hypothesis before Benjamini–Hochberg; sds taken as the arms' sds — seed: a method whose choice never varies, random: a choice as variable as random sampling; "n for ${DEFAULT_POWER * 100}%" = trials per arm for ${DEFAULT_POWER * 100}% power)`,
  );
  if (matrices.length === 0) out.push('  no poisoningMatrix({ … }) found under benchmarks/');
  for (const m of matrices) {
    out.push(`${m.file} · ${m.nas ?? '?'} × ${m.attack ?? '?'} · budgets ${m.budgets.join(', ')} · n = ${m.n}${m.complete ? '' : ' · (not fully read: non-literal options)'}`);
    for (const h of m.hypotheses) {
      if (h.drops === null) {
        out.push(`  budget ${h.budget} · ${h.metric}: ${h.note ?? 'not calibrated'}`);
        continue;
      }
      out.push(`  budget ${h.budget} · ${h.metric}`);
      for (const d of h.drops) out.push(`    ${dropLine(d, m.n)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tier: { type: 'string' },
      backend: { type: 'string' },
      store: { type: 'string', default: DEFAULT_STORE_PATH },
      'data-dir': { type: 'string' },
      fixture: { type: 'boolean', default: false },
      seeds: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(CALIBRATE_HELP);
    return 0;
  }
  // Bad values are usage errors (exit 2), found before anything loads or trains.
  const seeds = seedCount(values.seeds);
  const config = userInput(() =>
    buildRunConfig({
      tier: tierArgument(values.tier),
      backend: resolveBackendChoice(values.backend),
      storePath: values.store,
      dataDir: values['data-dir'] ?? null,
      fixtureOnly: values.fixture,
    }),
  );
  const { tier } = config;

  const log = (line: string) => process.stderr.write(`${line}\n`);
  const run = await prepareRun({ config, log });
  try {
    log(`${style.bold('naspoison calibrate', process.stderr)} · tier ${tier.name} · ${seeds} seeds · backend ${run.backend.name} · store ${run.store.path}`);
    const result = await calibrateTier(run, {
      seeds,
      onProgress: (p) =>
        log(style.dim(`  evaluation ${p.done} of ${p.total} · ${p.label} · ${p.accuracy.toFixed(2)}% · ${formatDuration(p.elapsedMs)} elapsed · ETA ${formatDuration(p.etaMs)}`, process.stderr)),
    });
    const matrices = shippedHypothesesPower(result.calibration, tier, findShippedMatrices());
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...result.calibration, fromCache: result.fromCache, trials: tier.trials, margins: tier.margins ?? {}, power: matrices }, null, 2)}\n`);
    } else {
      process.stdout.write(formatCalibration(result.calibration, tier, matrices, result.fromCache));
    }
    return 0;
  } finally {
    run.store.close();
  }
}
