// Model quality from predictions joined with ground truth: pure functions over labeled rows.
// Binary classification with a positive label (probability outputs are cut at a decision
// threshold), macro averages for multiclass, MAE/RMSE for regression.

export interface LabeledPrediction {
  pred: number | string | null;
  label: number | string | null;
}

export interface ClassificationOptions {
  threshold: number;
  positiveLabel: number | string;
}

export interface Quality {
  labeled: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  mae: number | null;
  rmse: number | null;
}

const same = (a: number | string | null, b: number | string | null) => a !== null && b !== null && String(a) === String(b);

/** A probability becomes the positive label at or above the threshold; a class label stays itself. */
function predictedClass(pred: number | string | null, opts: ClassificationOptions): string | null {
  if (pred === null) return null;
  if (typeof pred === 'number' && pred >= 0 && pred <= 1 && !Number.isInteger(pred)) {
    return pred >= opts.threshold ? String(opts.positiveLabel) : `not ${opts.positiveLabel}`;
  }
  if (typeof pred === 'number' && (pred === 0 || pred === 1)) {
    // 0/1 outputs: probability extremes and class ids agree at any threshold in (0, 1].
    return pred >= opts.threshold ? String(opts.positiveLabel) : `not ${opts.positiveLabel}`;
  }
  return String(pred);
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const f1Of = (p: number | null, r: number | null) => (p === null || r === null ? null : p + r === 0 ? 0 : (2 * p * r) / (p + r));

export function classificationQuality(rows: LabeledPrediction[], opts: ClassificationOptions): Quality {
  const pos = String(opts.positiveLabel);
  const labeled = rows.filter((r) => r.label !== null && r.pred !== null);
  const classes = new Set(labeled.map((r) => String(r.label)));
  let correct = 0;
  const pairs = labeled.map((r) => {
    const label = String(r.label) === pos ? pos : classes.size > 2 ? String(r.label) : `not ${pos}`;
    const pred = predictedClass(r.pred, opts);
    const p = pred === pos || pred === null ? pred : classes.size > 2 ? pred : `not ${pos}`;
    if (p === label) correct += 1;
    return { label, pred: p };
  });
  const stats = (cls: string) => {
    const tp = pairs.filter((x) => x.pred === cls && x.label === cls).length;
    const fp = pairs.filter((x) => x.pred === cls && x.label !== cls).length;
    const fn = pairs.filter((x) => x.pred !== cls && x.label === cls).length;
    const precision = ratio(tp, tp + fp);
    const recall = ratio(tp, tp + fn);
    return { precision, recall, f1: f1Of(precision, recall) };
  };
  let precision: number | null, recall: number | null, f1: number | null;
  if (classes.size > 2) {
    // Macro average over the classes seen in the labels.
    const per = [...classes].map(stats);
    const mean = (xs: Array<number | null>) => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + (b ?? 0), 0) / xs.length);
    precision = mean(per.map((s) => s.precision ?? 0));
    recall = mean(per.map((s) => s.recall));
    f1 = mean(per.map((s) => s.f1 ?? 0));
  } else {
    ({ precision, recall, f1 } = stats(pos));
  }
  return { labeled: labeled.length, accuracy: ratio(correct, labeled.length), precision, recall, f1, mae: null, rmse: null };
}

export function regressionQuality(rows: LabeledPrediction[]): Quality {
  const xs = rows.filter((r) => typeof r.pred === 'number' && typeof r.label === 'number') as Array<{ pred: number; label: number }>;
  if (xs.length === 0) return { labeled: 0, accuracy: null, precision: null, recall: null, f1: null, mae: null, rmse: null };
  const abs = xs.reduce((a, r) => a + Math.abs(r.pred - r.label), 0);
  const sq = xs.reduce((a, r) => a + (r.pred - r.label) ** 2, 0);
  return { labeled: xs.length, accuracy: null, precision: null, recall: null, f1: null, mae: abs / xs.length, rmse: Math.sqrt(sq / xs.length) };
}
