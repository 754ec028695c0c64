/**
 * Special functions behind the distributions: ln Γ, ln B, the regularised incomplete beta function
 * and the normal tail. Internal to harness/stats (not re-exported from the public entry).
 *
 * Accuracy: ln Γ and ln B to a few ulps of their magnitude (Stirling's series with seven correction
 * terms for arguments ≥ 10, upward recurrence below; ln B in R's cancellation-free form for large
 * arguments); the incomplete beta by its continued fraction (modified Lentz) to ~1e-15 relative;
 * the normal tail by the series / continued fraction of the incomplete gamma function Γ(½, x²/2).
 *
 * @module
 */

import {
  LENTZ_TINY,
  LN_SQRT_2PI,
  MAX_SERIES_TERMS,
  SERIES_TOLERANCE,
  SQRT_2_OVER_PI,
  SQRT_2PI,
  STIRLING_THRESHOLD,
} from './constants.js';

/**
 * Remainder of Stirling's series, ln Γ(x) − [(x − ½) ln x − x + ln √(2π)], for x ≥ 10:
 * Σ B₂ₖ / (2k(2k − 1) x^(2k−1)), k = 1…8 (error < 1e-17 at x = 10).
 */
export function stirlingRemainder(x: number): number {
  const z = 1 / (x * x);
  return (
    (1 / 12 +
      z *
        (-1 / 360 +
          z * (1 / 1260 + z * (-1 / 1680 + z * (1 / 1188 + z * (-691 / 360360 + z * (1 / 156 + z * (-3617 / 122400)))))))) /
    x
  );
}

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma: x must be > 0, got ${x}`);
  if (x >= STIRLING_THRESHOLD) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingRemainder(x);
  let product = 1;
  let y = x;
  while (y < STIRLING_THRESHOLD) {
    product *= y;
    y += 1;
  }
  return lnGamma(y) - Math.log(product);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) for a, b > 0, without cancellation for large arguments. */
export function lnBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (!(p > 0)) throw new RangeError(`lnBeta: arguments must be > 0, got ${a}, ${b}`);
  const ratio = p / (p + q);
  if (p >= STIRLING_THRESHOLD) {
    const corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q);
    return -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(ratio) + q * Math.log1p(-ratio);
  }
  if (q >= STIRLING_THRESHOLD) {
    const corr = stirlingRemainder(q) - stirlingRemainder(p + q);
    return lnGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-ratio);
  }
  return lnGamma(p) + lnGamma(q) - lnGamma(p + q);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes `betacf`, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_SERIES_TERMS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < LENTZ_TINY) c = LENTZ_TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < LENTZ_TINY) c = LENTZ_TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= SERIES_TOLERANCE) return h;
  }
  throw new RangeError(`incompleteBeta: continued fraction did not converge for a=${a}, b=${b}, x=${x}`);
}

/**
 * Regularised incomplete beta function I_x(a, b) for a, b > 0, x ∈ [0, 1].
 *
 * @param y - 1 − x, passed separately so that callers who know it exactly (e.g. t²/(ν + t²)) lose no
 *   precision when x is close to 1.
 * @param lnX - ln x, for callers who know it when x itself underflows (the far tail of t, a > 1e154):
 *   the result is then still accurate in relative terms.
 * @param lnY - ln y, likewise.
 */
export function incompleteBeta(
  a: number,
  b: number,
  x: number,
  y: number = 1 - x,
  lnX: number = Math.log(x),
  lnY: number = Math.log(y),
): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incompleteBeta: a and b must be > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) throw new RangeError(`incompleteBeta: x must be in [0, 1], got ${x}`);
  if (lnX === -Infinity) return 0;
  if (lnY === -Infinity) return 1;
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); otherwise use I_x(a,b) = 1 − I_y(b,a).
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBetaDirect(b, a, y, lnY, lnX);
  return incompleteBetaDirect(a, b, x, lnX, lnY);
}

function incompleteBetaDirect(a: number, b: number, x: number, lnX: number, lnY: number): number {
  const lnFront = a * lnX + b * lnY - lnBeta(a, b);
  return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
}

/**
 * Upper tail of the standard normal, Q(z) = 1 − Φ(z) = ½ erfc(z/√2), for z ≥ 0, accurate in relative
 * terms far into the tail (Q(37) ≈ 5.7e-300).
 *
 * erfc(w) = Γ(½, w²)/Γ(½): the series of the lower incomplete gamma for w² < 1.5, Legendre's continued
 * fraction of the upper one above (Numerical Recipes `gser` / `gcf` with a = ½).
 */
export function normalUpperTail(z: number): number {
  if (!(z >= 0)) throw new RangeError(`normalUpperTail: z must be ≥ 0, got ${z}`);
  const x = 0.5 * z * z; // w² with w = z/√2
  if (x < 1.5) {
    // erf(w) = (2/√π) e^(−w²) Σ 2ⁿ w^(2n+1) / (1·3·…·(2n+1)); with w = z/√2, (2/√π) w = √(2/π) z.
    let term = 1;
    let sum = 1;
    for (let n = 1; n <= MAX_SERIES_TERMS; n++) {
      term *= (2 * x) / (2 * n + 1);
      sum += term;
      if (term < sum * SERIES_TOLERANCE) break;
    }
    const erf = SQRT_2_OVER_PI * z * Math.exp(-x) * sum;
    return 0.5 * (1 - erf);
  }
  if (x > 746) return 0;
  // Upper incomplete gamma ratio Q(½, x) = e^(−x) √x / Γ(½) · CF, and Q(z) = ½ erfc(w) = ½ Q(½, x).
  const a = 0.5;
  let b = x + 1 - a;
  let c = 1 / LENTZ_TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_SERIES_TERMS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < LENTZ_TINY) d = LENTZ_TINY;
    c = b + an / c;
    if (Math.abs(c) < LENTZ_TINY) c = LENTZ_TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= SERIES_TOLERANCE) {
      // ½ · e^(−x) · (√x/√π) · h with √x = z/√2, i.e. ½ · z/√(2π) · e^(−x) · h.
      return ((0.5 * z) / SQRT_2PI) * Math.exp(-x) * h;
    }
  }
  throw new RangeError(`normalUpperTail: continued fraction did not converge for z=${z}`);
}
