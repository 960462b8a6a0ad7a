// Metrics on a holdout: pure functions of predictions and labels.

/** accuracy, and precision/recall/f1 of class 1 (binary) or macro-averaged over classes (more than two). */
export function classificationMetrics(predicted: number[], labels: number[]): Record<string, number> {
  const classes = [...new Set([...labels, ...predicted])].sort((a, b) => a - b);
  const binary = classes.every((c) => c === 0 || c === 1);
  const per = (binary ? [1] : classes).map((c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < labels.length; i++) {
      if (predicted[i] === c && labels[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (labels[i] === c) fn++;
    }
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
  });
  const mean = (k: 'precision' | 'recall' | 'f1') => per.reduce((s, p) => s + p[k], 0) / per.length;
  const correct = labels.reduce((s, l, i) => s + (predicted[i] === l ? 1 : 0), 0);
  return { accuracy: correct / labels.length, precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

export function regressionMetrics(predicted: number[], labels: number[]): Record<string, number> {
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = predicted[i] - labels[i];
    abs += Math.abs(d);
    sq += d * d;
  }
  return { mae: abs / labels.length, rmse: Math.sqrt(sq / labels.length) };
}
