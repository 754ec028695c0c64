import 'vitest';

declare module 'vitest' {
  // Declared as harness/spec/vitest.d.ts declares naspoison's other matchers (the same type parameter).
  interface Matchers<T = any> {
    /**
     * On a metric of a sensitivity table (`s.metric('snip')`): passes when the 95% CI of its mean
     * relative change (poisoned − clean)/|clean| lies inside (−band, +band); fails when it lies
     * entirely outside; otherwise underpowered at this tier (skipped with its note; a failure under
     * `--strict`). Fewer than 2 cells with a defined change fail. Cannot be negated.
     */
    toChangeByLessThan(band: number): T;
  }
}
