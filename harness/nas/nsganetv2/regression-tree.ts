/**
 * A CART regression tree grown like scikit-learn's DecisionTreeRegressor with its defaults (squared
 * error, split while a node has two or more samples and a split lowers the error, thresholds
 * halfway between consecutive distinct values, a leaf predicts its mean) — what NSGANetV2's CART
 * surrogate fits thousands of.
 *
 * Not ml-cart's DecisionTreeRegression: that one tries a threshold between every two neighbouring
 * samples whose targets differ and re-partitions all samples for each, so a fully grown tree on 340
 * architectures × 24 features took ~200 ms (measured), 1000 s for the reference's 5000 trees per fit.
 * Here each node sums the targets per distinct feature value (encodings take few values) and scans
 * the thresholds between them once.
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

/** Best split of `rows` (least summed squared error of the two sides), or undefined when none lowers it. */
function bestSplit(x: ReadonlyArray<readonly number[]>, y: readonly number[], rows: number[], features: number): { feature: number; threshold: number } | undefined {
  const n = rows.length;
  let total = 0;
  let totalSq = 0;
  for (const r of rows) {
    total += y[r]!;
    totalSq += y[r]! ** 2;
  }
  const parentError = totalSq - (total * total) / n;
  let best: { feature: number; threshold: number } | undefined;
  let bestError = parentError - 1e-12 * Math.max(1, Math.abs(parentError));
  for (let f = 0; f < features; f++) {
    // Sums per distinct value (architecture encodings take few values), then thresholds between them.
    const groups = new Map<number, { count: number; sum: number; sq: number }>();
    for (const r of rows) {
      const v = x[r]![f]!;
      const g = groups.get(v);
      if (g) {
        g.count++;
        g.sum += y[r]!;
        g.sq += y[r]! ** 2;
      } else groups.set(v, { count: 1, sum: y[r]!, sq: y[r]! ** 2 });
    }
    if (groups.size < 2) continue;
    const values = [...groups.keys()].sort((a, b) => a - b);
    let nl = 0;
    let leftSum = 0;
    let leftSq = 0;
    for (let i = 0; i < values.length - 1; i++) {
      const g = groups.get(values[i]!)!;
      nl += g.count;
      leftSum += g.sum;
      leftSq += g.sq;
      const nr = n - nl;
      const rightSum = total - leftSum;
      const error = leftSq - (leftSum * leftSum) / nl + (totalSq - leftSq) - (rightSum * rightSum) / nr;
      if (error < bestError) {
        bestError = error;
        best = { feature: f, threshold: (values[i]! + values[i + 1]!) / 2 };
      }
    }
  }
  return best;
}

function grow(x: ReadonlyArray<readonly number[]>, y: readonly number[], rows: number[], features: number): TreeNode {
  if (rows.length < 2) return { value: mean(y, rows) };
  const split = bestSplit(x, y, rows, features);
  if (!split) return { value: mean(y, rows) };
  const left = rows.filter((r) => x[r]![split.feature]! <= split.threshold);
  const right = rows.filter((r) => x[r]![split.feature]! > split.threshold);
  return { ...split, left: grow(x, y, left, features), right: grow(x, y, right, features) };
}

/** Grows a tree on all rows of `x` (rows × features) with targets `y`. */
export function fitRegressionTree(x: ReadonlyArray<readonly number[]>, y: readonly number[]): RegressionTree {
  if (x.length === 0 || x.length !== y.length) throw new Error(`regression tree: ${x.length} inputs and ${y.length} targets`);
  const root = grow(
    x,
    y,
    x.map((_, i) => i),
    x[0]!.length,
  );
  return {
    predict(p) {
      let node = root;
      while ('feature' in node) node = p[node.feature]! <= node.threshold ? node.left : node.right;
      return node.value;
    },
  };
}
