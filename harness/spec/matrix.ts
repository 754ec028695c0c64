/**
 * The spec-file DSL: `poisoningMatrix({ nas, attack, budgets })` declares a matrix at collection
 * time (bad names or budgets fail there, naming them), registers a `beforeAll` that runs its trials
 * once (from the store when they exist), and hands out metric samples for the matchers:
 * `m.cell(0.5).deltaImprovement`, `m.control.accuracy`, `m.cell(0.5).metric('skipConnections')`.
 */
import { createHash } from 'node:crypto';
import { beforeAll, TestRunner } from 'vitest';
import { canonicalJson } from '../util/canonical-json.js';
import { CLEAN, attacks } from '../attacks/index.js';
import { NO_DEFENCE, defences } from '../defences/index.js';
import { sharedRunContext, type RunContext } from '../run/context.js';
import { ambientRunConfig } from '../run/config.js';
import { knownToWorkers } from '../run/plugins.js';
import { attackParamsOf, defenceParamsOf, nasSettingsOf, tierOrigin } from '../run/tiers.js';
import { findCalibration, type Calibration } from '../run/calibration.js';
import { nasAlgorithms } from '../nas/index.js';
import { armKey, matrixLabel, runMatrix, validateMatrixSpec, type MatrixResults, type MatrixSpec, type ValidMatrixSpec } from '../run/matrix.js';
import { correctFamily, decide, familySize, hypothesisKey, hypothesisMetric, hypothesisTests, sequentialTests, type ArmSequentialRecord, type Decision, type HypothesisTests } from '../verdicts/index.js';
import { DEFAULT_ALPHA, type Alternative, type Comparison } from '../stats/index.js';
import { CORE_METRICS, harmDirection, metricLabel, metricValue } from './metrics.js';

/** One metric of one arm: what `expect(…)` receives. */
export class MetricSample {
  constructor(
    readonly matrix: PoisoningMatrix,
    readonly attack: string,
    readonly budget: number,
    readonly metric: string,
    /** `none`, or the defended arm's label. */
    readonly defence: string = NO_DEFENCE,
  ) {}

  /** `ΔImp at 50% random-label-flip (pdarts)`, `… + loss-sanitisation (pdarts)`, `ΔImp of the clean control (pdarts)`. */
  get label(): string {
    const arm = this.attack === CLEAN ? 'of the clean control' : `at ${+(this.budget * 100).toFixed(4)}% ${this.attack}${this.defence === NO_DEFENCE ? '' : ` + ${this.defence}`}`;
    return `${metricLabel(this.metric)} ${arm} (${this.matrix.spec.nas})`;
  }

  /** The per-trial values (completed trials only). Throws before the matrix has run. */
  values(): number[] {
    const trials = this.matrix.results().arms.get(armKey(this.attack, this.budget, this.defence)) ?? [];
    return trials.map((t) => metricValue(t, this.metric)).filter((v): v is number => v !== undefined);
  }
}

/** One arm's metrics. */
export class ArmView {
  constructor(
    private readonly matrix: PoisoningMatrix,
    readonly attack: string,
    readonly budget: number,
    /** `none`, or the defended arm's label. */
    readonly defence: string = NO_DEFENCE,
  ) {}
  get accuracy(): MetricSample {
    return this.metric('accuracy');
  }
  get deltaImprovement(): MetricSample {
    return this.metric('deltaImprovement');
  }
  get skipConnections(): MetricSample {
    return this.metric('skipConnections');
  }
  /** Any numeric diagnostic the NAS algorithm reports. */
  metric(name: string): MetricSample {
    return new MetricSample(this.matrix, this.attack, this.budget, name, this.defence);
  }
  /**
   * This budget's arm with `defence` applied between poisoning and search (declared in the
   * matrix's `defences`); throws naming the declared ones otherwise.
   */
  defended(defence: string): ArmView {
    const declared = this.matrix.spec.defences.map((d) => d.label);
    if (this.attack === CLEAN || this.defence !== NO_DEFENCE) throw new Error(`${this.matrix.label}: only an undefended poisoned arm has defended arms`);
    if (!declared.includes(defence)) throw new Error(`${this.matrix.label}: defence "${defence}" is not declared in this matrix (declared: ${declared.join(', ') || 'none'})`);
    return new ArmView(this.matrix, this.attack, this.budget, defence);
  }
  /**
   * The canonical genotypes of the arm's completed trials, ordered by trial index (isomorphic
   * cells share one): for claims about the cell itself, e.g. that a label-free method finds the
   * identical cell under label flipping, trial for trial. Throws before the matrix has run.
   */
  genotypes(): string[] {
    const trials = this.matrix.results().arms.get(armKey(this.attack, this.budget, this.defence)) ?? [];
    return [...trials]
      .sort((a, b) => a.trialIndex - b.trialIndex)
      .map((t) => t.canonicalGenotype)
      .filter((g): g is string => g !== null);
  }
}

/** A hypothesis of the matrix's family, with its tests and verdict once the trials are in. */
export interface FamilyMember {
  budget: number;
  metric: string;
  /** The harm direction the hypothesis is tested in. */
  alternative: Alternative;
  /** The effect (harm) test, with its q over the family. */
  comparison: Comparison;
  /** Both tests (effect and margin), with q-values. */
  tests: HypothesisTests;
  decision: Decision;
}

export interface PoisoningMatrixOptions extends MatrixSpec {
  /** Diagnostics to add to the hypothesis family besides accuracy and ΔImp (e.g. skipConnections). */
  track?: readonly string[];
  /** Significance level (default 0.05). */
  alpha?: number;
  /**
   * Non-inferiority margins δ per metric, in the metric's unit (pp for accuracy and ΔImp); they
   * override the tier's `margins`. A metric without a margin can only end as "harm shown" or
   * "inconclusive".
   */
  margins?: Readonly<Record<string, number>>;
  /** Run context (default: the process-wide one from the environment). */
  context?: () => Promise<RunContext>;
}

export class PoisoningMatrix {
  readonly label: string;
  readonly spec: ValidMatrixSpec;
  readonly alpha: number;
  readonly tracked: readonly string[];
  /** Seed-noise sd from the tier's calibration, when one is stored (set by the runner). */
  calibrationSd: number | undefined;
  /** The tier's stored calibration, if any (found when the matrix runs). */
  calibration: Calibration | undefined;
  private readonly declaredMargins: Readonly<Record<string, number>>;
  private outcome: MatrixResults | undefined;
  private familyCache: FamilyMember[] | undefined;
  private context: RunContext | undefined;

  constructor(options: PoisoningMatrixOptions) {
    this.spec = validateMatrixSpec(options);
    this.label = matrixLabel(this.spec);
    this.alpha = options.alpha ?? DEFAULT_ALPHA;
    if (!(this.alpha > 0 && this.alpha < 1)) throw new Error(`${this.label}: alpha must be in (0, 1), got ${this.alpha}`);
    this.tracked = [...CORE_METRICS, ...(options.track ?? []).filter((m) => !(CORE_METRICS as readonly string[]).includes(m))];
    for (const [metric, margin] of Object.entries(options.margins ?? {})) {
      if (!(Number.isFinite(margin) && margin > 0)) throw new Error(`${this.label}: margins.${metric} must be a number > 0, got ${margin}`);
    }
    this.declaredMargins = { ...(options.margins ?? {}) };
    this.margins(); // accuracy and ΔImp must agree
  }

  /**
   * Margins in force: the tier's, overridden by the spec's. Accuracy and ΔImp are one hypothesis,
   * so they must share one δ (the tests would otherwise disagree within one family).
   */
  margins(): Record<string, number> {
    const margins = { ...(this.context?.tier.margins ?? {}), ...this.declaredMargins };
    const { accuracy, deltaImprovement } = margins;
    if (accuracy !== undefined && deltaImprovement !== undefined && accuracy !== deltaImprovement) {
      throw new Error(`${this.label}: margins for accuracy (${accuracy}) and deltaImprovement (${deltaImprovement}) differ; they are one hypothesis (ΔImp is accuracy minus a constant), so declare one δ for both`);
    }
    return margins;
  }

  /** The sequential record of a poisoned arm, when the matrix ran in looks. */
  sequentialRecord(budget: number): ArmSequentialRecord | undefined {
    return this.results().sequential?.find((r) => r.budget === budget);
  }

  /** δ for a metric (ΔImp and accuracy share one: they are one hypothesis), or null. */
  marginFor(metric: string): number | null {
    const margins = this.margins();
    return margins[metric] ?? margins[hypothesisMetric(metric)] ?? null;
  }

  /**
   * The calibrated sd below which trials-needed figures never plan for a metric: the tier's seed
   * noise for accuracy and ΔImp (a method cannot be less noisy than retraining one cell).
   */
  planningSd(metric: string): number | undefined {
    return hypothesisMetric(metric) === 'accuracy' ? this.calibrationSd : undefined;
  }

  /** Runs the trials (once). Called by the `beforeAll` that {@link poisoningMatrix} registers. */
  async run(context: RunContext): Promise<MatrixResults> {
    this.context = context;
    this.calibration = findCalibration(context.store, { tier: context.tier.name, datasetHash: context.datasetHash, backend: context.backend.name });
    this.calibrationSd = this.calibration?.seedNoise.sd;
    this.outcome ??= await runMatrix(this.spec, context, { alpha: this.alpha, margin: this.marginFor('accuracy') });
    return this.outcome;
  }

  /** Errored trials of an arm (excluded from its values). */
  erroredTrials(attack: string, budget: number): Array<{ trialIndex: number; error: string }> {
    return this.results()
      .errored.filter((t) => t.attack === attack && t.budget === budget)
      .map((t) => ({ trialIndex: t.trialIndex, error: t.error ?? 'unknown error' }));
  }

  /** The results; throws when used before the trials ran (e.g. outside a test). */
  results(): MatrixResults {
    if (!this.outcome) throw new Error(`${this.label}: results are not available yet — use matrix values inside test(), after its beforeAll ran`);
    return this.outcome;
  }

  /** The run context the trials ran in. */
  runContext(): RunContext | undefined {
    return this.context;
  }

  /** The clean control arm. */
  get control(): ArmView {
    return new ArmView(this, CLEAN, 0);
  }

  /** The arm of a declared budget; throws naming the declared ones otherwise. */
  cell(budget: number): ArmView {
    if (!this.spec.budgets.includes(budget)) {
      throw new Error(`${this.label}: budget ${budget} is not in this matrix (declared: ${this.spec.budgets.join(', ')})`);
    }
    return new ArmView(this, this.spec.attack, budget);
  }

  /**
   * Every poisoned arm × tracked metric, tested against the control in its harm direction, with
   * Benjamini–Hochberg q-values over this family. ΔImp is accuracy minus one constant (the random
   * baseline mean), so "ΔImp below control" is the same test as "accuracy below control": the two
   * share one hypothesis (and one q-value) instead of being counted twice.
   */
  family(): FamilyMember[] {
    if (this.familyCache) return this.familyCache;
    const values = (attack: string, budget: number, metric: string) => new MetricSample(this, attack, budget, metric).values();
    const members = this.spec.budgets.flatMap((budget) =>
      this.tracked.map((metric) => {
        const alternative = harmDirection(metric);
        const tests = hypothesisTests(values(this.spec.attack, budget, metric), values(CLEAN, 0, metric), alternative, this.marginFor(metric), { alpha: this.alpha });
        return { budget, metric, alternative, tests: sequentialTests(tests, metric, this.sequentialRecord(budget)) };
      }),
    );
    for (const metric of this.tracked) {
      if (members.some((m) => m.metric === metric && (m.tests.effect.nA > 0 || m.tests.effect.nB > 0))) continue;
      const anyTrials = [...this.results().arms.values()].some((trials) => trials.length > 0);
      if (anyTrials) throw new Error(`${this.label}: no trial reports "${metric}"; tracked metrics must be accuracy, deltaImprovement or a numeric diagnostic of ${this.spec.nas}`);
    }
    const corrected = correctFamily(members.map((m) => ({ key: this.keyOf(m), tests: m.tests })));
    this.familyCache = members.map((m, i) => {
      const tests = corrected[i]!;
      const planningSd = this.planningSd(m.metric);
      return { ...m, tests, comparison: tests.effect, decision: decide(tests, this.alpha, planningSd === undefined ? {} : { planningSd }) };
    });
    return this.familyCache;
  }

  /** The hypothesis key of a member (ΔImp and accuracy of one budget share it). */
  keyOf(m: { budget: number; metric: string; alternative: Alternative }): string {
    return hypothesisKey(String(m.budget), m.metric, m.alternative);
  }

  /** The family's members as BH sees them (key and effect-test p-value). */
  private tests(members: readonly FamilyMember[]): Array<{ key: string; p: number | undefined }> {
    return members.map((m) => ({ key: this.keyOf(m), p: m.comparison.state === 'computed' ? m.comparison.p : undefined }));
  }

  /** Number of hypotheses with a p-value in the family. */
  familySize(): number {
    return familySize(this.tests(this.family()));
  }

  /**
   * Uses given results instead of running trials: for testing the statistics of matchers with a
   * synthetic trial function (calibration), and for re-asserting on stored results.
   */
  useResults(results: MatrixResults): this {
    this.outcome = results;
    this.familyCache = undefined;
    return this;
  }

  /** The family member for (poisoned arm, metric, direction), if it is one. */
  member(sample: MetricSample, reference: MetricSample, alternative: Alternative): FamilyMember | undefined {
    if (reference.attack !== CLEAN || sample.attack === CLEAN || sample.defence !== NO_DEFENCE || sample.metric !== reference.metric) return undefined;
    return this.family().find((m) => m.budget === sample.budget && m.metric === sample.metric && m.alternative === alternative);
  }
}

/**
 * Declares a poisoning matrix in a spec file (call it inside `describe`). Its trials run once in a
 * `beforeAll` (no timeout: trials take minutes) before the tests that assert on it. The declaration
 * is also noted in the spec file's task meta (`naspoisonMatrices`), so that a collection pass —
 * `naspoison run --shard`, which plans every trial of the run before computing any — finds every
 * matrix without running a hook.
 */
export function poisoningMatrix(options: PoisoningMatrixOptions): PoisoningMatrix {
  const matrix = new PoisoningMatrix(options);
  const file = TestRunner.getCurrentSuite().file;
  const declared: Array<readonly ['nas' | 'attack' | 'defence', string, string]> = [
    ['nas', 'NAS algorithm', matrix.spec.nas],
    ['attack', 'attack', matrix.spec.attack],
    ...matrix.spec.defences.map((d) => ['defence', 'defence', d.name] as const),
  ];
  for (const [kind, what, name] of declared) {
    if (knownToWorkers(kind, name) !== false) continue;
    throw new Error(
      `${what} "${name}" is registered by the spec file ${file.name} (or a module it imports), which trial worker processes never load. ` +
        `Register it in a plugin module instead — a file named *.plugin.ts beside the spec file, which every process of the run imports — or name its module with naspoison run --plugin <module>.`,
    );
  }
  // The tier blocks of the method, the attack and the defences, checked by each plugin now that the
  // spec's plugins are registered (with the spec's overrides on top).
  if (options.context === undefined) {
    const config = ambientRunConfig();
    const origin = tierOrigin(config.tierSource);
    nasSettingsOf(config.tier, matrix.spec.nas, origin);
    attackParamsOf(config.tier, matrix.spec.attack, origin, matrix.spec.attackParams ?? undefined);
    for (const d of matrix.spec.defences) defenceParamsOf(config.tier, d.name, origin, d.params ?? undefined);
  }
  (file.meta.naspoisonMatrices ??= []).push({ label: matrix.label, spec: matrix.spec });
  const getContext = options.context ?? sharedRunContext;
  beforeAll(async () => {
    const context = await getContext();
    const results = await matrix.run(context);
    recordMatrix(context, matrix, results);
  }, 0);
  return matrix;
}

/**
 * What the report's method section says of a matrix: the NAS method's deviations from its published
 * settings at this tier, then the attack's and each defence's (their rules where the study left one
 * open, and their departures), each line prefixed with the plugin's name.
 */
function methodOf(context: RunContext, spec: ValidMatrixSpec): { nas: string; description: string; deviations: string[] } {
  const origin = tierOrigin(context.config.tierSource);
  const nas = nasAlgorithms.get(spec.nas);
  const settings = nasSettingsOf(context.tier, spec.nas, origin);
  const deviations = nas.deviations ? nas.deviations(settings) : ['not applicable: no published settings to compare with (a method of this harness)'];
  const attack = attacks.get(spec.attack);
  const attackLines = attack.deviations?.(attackParamsOf(context.tier, spec.attack, origin, spec.attackParams ?? undefined)) ?? [];
  const defenceLines = spec.defences.flatMap((d) => {
    const defence = defences.get(d.name);
    return (defence.deviations?.(defenceParamsOf(context.tier, d.name, origin, d.params ?? undefined)) ?? []).map((line) => `${d.label}: ${line}`);
  });
  return { nas: spec.nas, description: nas.description, deviations: [...deviations, ...attackLines.map((line) => `${spec.attack}: ${line}`), ...defenceLines] };
}

/** The calibration as the report shows it. */
function calibrationSummary(c: Calibration) {
  return {
    tier: c.tier,
    recipe: c.recipe,
    random: { n: c.random.samples, mean: c.random.mean, sd: c.random.sd },
    seedNoise: { cell: c.seedNoise.genotype, n: c.seedNoise.accuracies.length, sd: c.seedNoise.sd, mean: c.seedNoise.mean },
    references: c.references.map((r) => ({ name: r.name, genotype: r.genotype, n: r.accuracies.length, mean: r.mean, sd: r.accuracies.length > 1 ? r.sd : null })),
    headroom: c.headroom,
    createdAt: c.createdAt,
  };
}

/** Notes the matrix in the store under the run id, so `naspoison report` can find its trials. */
function recordMatrix(context: RunContext, matrix: PoisoningMatrix, results: MatrixResults): void {
  const value = {
    runId: context.runId,
    label: matrix.label,
    spec: matrix.spec,
    tracked: matrix.tracked,
    alpha: matrix.alpha,
    trials: results.trials,
    trialKeys: results.trialKeys,
    tier: context.tier.name,
    backend: context.backend.name,
    randomBaseline: {
      samples: context.baseline.samples,
      mean: context.baseline.mean,
      sd: context.baseline.sd,
      recipe: context.protocol.recipe.name,
      accuracies: context.baseline.evaluations.map((e) => e.accuracy),
      genotypes: context.baseline.evaluations.map((e) => e.genotype),
    },
    dataset: {
      name: context.data.train.name,
      source: context.data.train.source,
      hash: context.datasetHash,
      trainSize: context.data.train.n,
      testSize: context.data.test.n,
      resolution: context.data.train.height,
    },
    margins: matrix.margins(),
    ...(results.sequential ? { sequential: results.sequential } : {}),
    ...(matrix.calibrationSd !== undefined ? { planningSd: { accuracy: matrix.calibrationSd, deltaImprovement: matrix.calibrationSd } } : {}),
    method: methodOf(context, matrix.spec),
    calibration: matrix.calibration ? calibrationSummary(matrix.calibration) : null,
    recordedAt: new Date().toISOString(),
  };
  // Keyed by the whole spec: two matrices of one nas × attack (say, budgets split over files) both count.
  const specKey = createHash('sha256').update(canonicalJson({ spec: matrix.spec, tracked: matrix.tracked, alpha: matrix.alpha, trials: results.trials })).digest('hex');
  context.store.putCached('run-matrix.v1', `${context.runId}\u0000${matrix.label}\u0000${specKey}`, JSON.stringify(value), { runId: context.runId });
}
