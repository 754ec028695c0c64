/**
 * A CART regression tree grown like scikit-learn's DecisionTreeRegressor with its defaults (squared
 * error, split while a node has two or more samples and a split lowers the error, thresholds
 * halfway between consecutive distinct values, a leaf predicts its mean) — what NSGANetV2's CART
 * surrogate fits thousands of.
 *
 * Not ml-cart's DecisionTreeRegression: that one tries a threshold between every two neighbouring
 * samples whose targets differ and re-partitions all samples for each, so a fully grown tree on 340
 * architectures × 24 features took ~200 ms (measured), 1000 s for the reference's 5000 trees per fit.
 * Here each feature's values are coded once per tree; each node sums its targets per value code
 * (encodings take few values) and scans the thresholds between them once.
 */

interface Leaf {
  readonly value: number;
}
interface Split {
  readonly feature: number;
  readonly threshold: number;
  readonly left: TreeNode;
  readonly right: TreeNode;
}
type TreeNode = Leaf | Split;

/** A fitted tree. */
export interface RegressionTree {
  predict(x: readonly number[]): number;
}

function mean(y: readonly number[], rows: readonly number[]): number {
  let s = 0;
  for (const r of rows) s += y[r]!;
  return s / rows.length;
}

/** Each feature's distinct values (ascending) and each row's index among them, computed once per tree. */
interface Coded {
  readonly values: number[][];
  /** codes[f][r]: index of x[r][f] in values[f]. */
  readonly codes: Int32Array[];
  /** Scratch sums per value code, reused by every node (count, sum, sum of squares). */
  readonly scratch: [Float64Array, Float64Array, Float64Array];
}

function codeFeatures(x: ReadonlyArray<readonly number[]>): Coded {
  const d = x[0]!.length;
  const values: number[][] = [];
  const codes: Int32Array[] = [];
  for (let f = 0; f < d; f++) {
    const distinct = [...new Set(x.map((p) => p[f]!))].sort((a, b) => a - b);
    const index = new Map(distinct.map((v, i) => [v, i]));
    values.push(distinct);
    codes.push(Int32Array.from(x, (p) => index.get(p[f]!)!));
  }
  const most = Math.max(...values.map((v) => v.length));
  return { values, codes, scratch: [new Float64Array(most), new Float64Array(most), new Float64Array(most)] };
}

/**
 * Best split of `rows` (least summed squared error of the two sides) as a feature and a value
 * index (left: codes ≤ it), or undefined when none lowers the error. Targets are summed per
 * distinct value (architecture encodings take few), then the thresholds between them scanned once.
 */
function bestSplit(coded: Coded, y: readonly number[], rows: readonly number[]): { feature: number; code: number } | undefined {
  const n = rows.length;
  let total = 0;
  let totalSq = 0;
  for (const r of rows) {
    total += y[r]!;
    totalSq += y[r]! ** 2;
  }
  const parentError = totalSq - (total * total) / n;
  let best: { feature: number; code: number } | undefined;
  let bestError = parentError - 1e-12 * Math.max(1, Math.abs(parentError));
  for (let f = 0; f < coded.codes.length; f++) {
    const k = coded.values[f]!.length;
    if (k < 2) continue;
    const code = coded.codes[f]!;
    const [count, sum, sq] = coded.scratch;
    count.fill(0, 0, k);
    sum.fill(0, 0, k);
    sq.fill(0, 0, k);
    for (const r of rows) {
      const c = code[r]!;
      count[c]!++;
      sum[c]! += y[r]!;
      sq[c]! += y[r]! ** 2;
    }
    let nl = 0;
    let leftSum = 0;
    let leftSq = 0;
    for (let c = 0; c < k - 1; c++) {
      if (count[c] === 0) continue;
      nl += count[c]!;
      leftSum += sum[c]!;
      leftSq += sq[c]!;
      const nr = n - nl;
      if (nr === 0) break;
      const rightSum = total - leftSum;
      const error = leftSq - (leftSum * leftSum) / nl + (totalSq - leftSq) - (rightSum * rightSum) / nr;
      if (error < bestError) {
        bestError = error;
        best = { feature: f, code: c };
      }
    }
  }
  return best;
}

function grow(coded: Coded, y: readonly number[], rows: number[]): TreeNode {
  if (rows.length < 2) return { value: mean(y, rows) };
  const split = bestSplit(coded, y, rows);
  if (!split) return { value: mean(y, rows) };
  const code = coded.codes[split.feature]!;
  const values = coded.values[split.feature]!;
  // Halfway between the split value and the next value present in this node (scikit-learn's threshold).
  let next = Infinity;
  for (const r of rows) if (code[r]! > split.code) next = Math.min(next, code[r]!);
  const threshold = (values[split.code]! + values[next]!) / 2;
  const left = rows.filter((r) => code[r]! <= split.code);
  const right = rows.filter((r) => code[r]! > split.code);
  return { feature: split.feature, threshold, left: grow(coded, y, left), right: grow(coded, y, right) };
}

/** Grows a tree on all rows of `x` (rows × features) with targets `y`. */
export function fitRegressionTree(x: ReadonlyArray<readonly number[]>, y: readonly number[]): RegressionTree {
  if (x.length === 0 || x.length !== y.length) throw new Error(`regression tree: ${x.length} inputs and ${y.length} targets`);
  const root = grow(
    codeFeatures(x),
    y,
    x.map((_, i) => i),
  );
  return {
    predict(p) {
      let node = root;
      while ('feature' in node) node = p[node.feature]! <= node.threshold ? node.left : node.right;
      return node.value;
    },
  };
}
