import { describe, expect, it } from 'vitest';
import { binaryConfusion, classificationScores, errorRate, histogramQuantile, p99, quantile, regressionScores, scoresFromConfusion } from './metrics.js';

const opts = { threshold: 0.5, positiveLabel: 1 };

describe('latency percentiles', () => {
  it('take the value at rank ceil(q·n) of the sorted values, whatever their order', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 200 … 1
    expect(p99(values)).toBe(198);
    expect(quantile(values, 0.5)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([3, 1, 2], 0)).toBe(1);
    expect(p99([])).toBeNull();
  });

  it('read a histogram as the upper bound of the bucket the rank falls in, the overflow as twice the last bound', () => {
    const bounds = [1, 5, 10];
    expect(histogramQuantile([0, 90, 9, 1], bounds, 0.5)).toBe(5);
    expect(histogramQuantile([0, 90, 9, 1], bounds, 0.99)).toBe(10);
    expect(histogramQuantile([0, 0, 0, 4], bounds, 0.5)).toBe(20);
    expect(histogramQuantile([0, 0, 0, 0], bounds, 0.5)).toBeNull();
  });
});

describe('quality from counts', () => {
  it('gives accuracy, precision, recall and F1 of the positive class from its confusion counts', () => {
    expect(scoresFromConfusion({ tp: 8, fp: 2, fn: 2, tn: 88 })).toEqual({ labeled: 100, accuracy: 0.96, precision: 0.8, recall: 0.8, f1: expect.closeTo(0.8, 12) });
    // Nothing predicted positive: precision has no value, and F1 with it.
    expect(scoresFromConfusion({ tp: 0, fp: 0, fn: 3, tn: 7 })).toMatchObject({ precision: null, recall: 0, f1: null });
    expect(scoresFromConfusion({ tp: 0, fp: 2, fn: 3, tn: 5 })).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(scoresFromConfusion({ tp: 0, fp: 0, fn: 0, tn: 0 })).toMatchObject({ labeled: 0, accuracy: null, precision: null, recall: null });
  });

  it('answers null, not 0, for an error rate or a regression error without data', () => {
    expect(errorRate(0, 0)).toBeNull();
    expect(errorRate(200, 10)).toBe(0.05);
    expect(regressionScores({ count: 0, abs: 0, sq: 0 })).toEqual({ mae: null, rmse: null });
    expect(regressionScores({ count: 4, abs: 4, sq: 16 })).toEqual({ mae: 1, rmse: 2 });
  });
});

describe('the binary rule', () => {
  it('cuts numeric predictions at the threshold, matches text predictions and labels to the positive label', () => {
    const rows = [
      { pred: 0.9, label: 1 }, // tp
      { pred: 0.5, label: 0 }, // fp: at the threshold is positive
      { pred: 0.2, label: 1 }, // fn
      { pred: 0, label: 0 }, // tn
      { pred: 1, label: '1' }, // tp: a text label reads as the positive label
      { pred: 'fraud', label: 0 }, // tn: a text prediction other than the positive label
      { pred: null, label: 1 }, // no prediction: counts for nothing
      { pred: 0.7, label: null }, // no label: counts for nothing
    ];
    expect(binaryConfusion(rows, opts)).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2 });
    expect(binaryConfusion([{ pred: 'fraud', label: 'fraud' }, { pred: 'ok', label: 'fraud' }, { pred: 0.8, label: 'ok' }], { threshold: 0.5, positiveLabel: 'fraud' })).toEqual({ tp: 1, fp: 1, fn: 1, tn: 0 });
  });

  it('scores two classes by the binary rule and more by macro averages over the labels seen', () => {
    const binary = [
      { pred: 0.9, label: 1 },
      { pred: 0.8, label: 1 },
      { pred: 0.1, label: 1 },
      { pred: 0.7, label: 0 },
      { pred: 0.2, label: 0 },
    ];
    expect(classificationScores(binary, opts)).toEqual({ labeled: 5, accuracy: 0.6, precision: 2 / 3, recall: 2 / 3, f1: expect.closeTo(2 / 3, 12) });
    const multi = [
      { pred: 'a', label: 'a' },
      { pred: 'a', label: 'b' },
      { pred: 'b', label: 'b' },
      { pred: 'c', label: 'c' },
    ];
    // a: p 1/2 r 1; b: p 1 r 1/2; c: p 1 r 1.
    expect(classificationScores(multi, opts)).toEqual({ labeled: 4, accuracy: 0.75, precision: expect.closeTo(2.5 / 3, 12), recall: expect.closeTo(2.5 / 3, 12), f1: expect.closeTo((2 / 3 + 2 / 3 + 1) / 3, 12) });
  });
});
