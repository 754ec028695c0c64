// The panel hook: a method's scores on the random baseline's cells become panelRankCorrelation
// (Kendall's τ-b against their clean accuracies); methods without scores get nothing added.
import { describe, expect, test } from 'vitest';
import { genotypeFromIndex } from '../space/genotype.js';
import type { GenotypeEvaluation } from '../train/evaluate.js';
import { panelDiagnostics } from './trial.js';

const baseline = { evaluations: [70, 75, 72, 80].map((accuracy) => ({ accuracy }) as GenotypeEvaluation) };
const genotype = genotypeFromIndex(1234);

describe('panelRankCorrelation', () => {
  test('is τ-b between the scores and the clean accuracies', () => {
    expect(panelDiagnostics({ genotype, diagnostics: {}, panelScores: [1, 2, 1.5, 3] }, baseline)).toEqual({ panelRankCorrelation: 1 });
    expect(panelDiagnostics({ genotype, diagnostics: {}, panelScores: [3, 2, 2.5, 1] }, baseline)).toEqual({ panelRankCorrelation: -1 });
    expect(panelDiagnostics({ genotype, diagnostics: {}, panelScores: [1, 3, 2, 2.5] }, baseline).panelRankCorrelation).toBeCloseTo(2 / 3, 12);
  });
  test('is absent without scores, null for a constant signal, and refuses a wrong count', () => {
    expect(panelDiagnostics({ genotype, diagnostics: {} }, baseline)).toEqual({});
    expect(panelDiagnostics({ genotype, diagnostics: {}, panelScores: [5, 5, 5, 5] }, baseline)).toEqual({ panelRankCorrelation: null });
    expect(() => panelDiagnostics({ genotype, diagnostics: {}, panelScores: [1, 2] }, baseline)).toThrow(/2 panel scores for a panel of 4/);
  });
});
