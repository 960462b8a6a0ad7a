// The drift statistics against values computed independently (scipy.stats / by hand).
import { describe, expect, it } from 'vitest';
import { buildProfile, chiSquareTest, datasetDrift, featureDrift, jensenShannon, ksTest, proportionsZTest, psi, wasserstein } from './drift.js';

const range = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('drift statistics', () => {
  it('measures the Wasserstein distance of a shifted sample as the shift', () => {
    const a = range(100, (i) => i);
    expect(wasserstein(a, a.map((x) => x + 5))).toBeCloseTo(5, 6);
    expect(wasserstein(a, a)).toBe(0);
  });

  it('gives Kolmogorov–Smirnov D and a p-value close to scipy ks_2samp (asymptotic)', () => {
    const a = range(200, (i) => i);
    const b = range(200, (i) => i + 20);
    const { d, p } = ksTest(a, b);
    expect(d).toBeCloseTo(0.1, 6);
    // scipy.stats.ks_2samp(a, b, method='asymp').pvalue == 0.2695...
    expect(p).toBeGreaterThan(0.2);
    expect(p).toBeLessThan(0.35);
    expect(ksTest(a, a).p).toBe(1);
    expect(ksTest(a, a.map((x) => x + 100)).p).toBeLessThan(1e-6);
  });

  it('gives Jensen–Shannon distance 0 for equal distributions and 1 for disjoint ones', () => {
    expect(jensenShannon({ a: 0.5, b: 0.5 }, { a: 0.5, b: 0.5 })).toBe(0);
    expect(jensenShannon({ a: 1 }, { b: 1 })).toBeCloseTo(1, 9);
    // By hand (base 2): m = [.7, .3]; KL(p||m) = 0.1258, KL(q||m) = 0.1678; sqrt of their mean = 0.3831.
    expect(jensenShannon({ a: 0.5, b: 0.5 }, { a: 0.9, b: 0.1 })).toBeCloseTo(0.3831, 3);
  });

  it('computes PSI as sum((a - e) * ln(a / e))', () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.6, 0.4])).toBeCloseTo(0.1 * Math.log(0.6 / 0.5) + -0.1 * Math.log(0.4 / 0.5), 9);
  });

  it('treats a numeric feature with at most 5 distinct values as categorical, as Evidently does', () => {
    const profile = buildProfile(range(50, (i) => ({ flag: i % 2, amount: i * 1.5, country: ['NL', 'DE'][i % 2] })));
    expect(profile.flag.kind).toBe('categorical');
    expect(profile.amount.kind).toBe('numeric');
    expect(profile.country.kind).toBe('categorical');
    const drift = datasetDrift(profile, range(50, (i) => ({ flag: 1, amount: i * 1.5, country: ['NL', 'DE'][i % 2] })));
    expect(drift.features.find((f) => f.feature === 'flag')).toMatchObject({ method: 'z', drifted: true });
    expect(drift.features.find((f) => f.feature === 'country')).toMatchObject({ method: 'z', drifted: false });
    expect(drift.features.find((f) => f.feature === 'amount')).toMatchObject({ method: 'ks', drifted: false });
    expect(drift.drift_share).toBeCloseTo(1 / 3, 9);
  });

  it('gives chi-square and Z-test p-values equal to scipy for small categorical references', () => {
    // scipy.stats.chisquare([30, 10, 10], f_exp=[20, 15, 15]).pvalue == 0.015503...
    expect(chiSquareTest({ a: 0.4, b: 0.3, c: 0.3 }, { a: 30, b: 10, c: 10 }, 50)).toBeCloseTo(0.015503, 5);
    expect(chiSquareTest({ a: 0.5, b: 0.5 }, { a: 5, c: 5 }, 10)).toBe(0);
    // Two-sided two-proportion z-test: 0.5 of 100 vs 0.6 of 100 -> p == 0.1552...
    expect(proportionsZTest(0.5, 100, 0.6, 100)).toBeCloseTo(0.1552, 3);
  });

  it('picks chi-square up to 1000 reference rows and Jensen–Shannon above, as Evidently does', () => {
    const colours = ['red', 'green', 'blue'];
    const small = buildProfile(range(600, (i) => ({ colour: colours[i % 3] })));
    const large = buildProfile(range(3000, (i) => ({ colour: colours[i % 3] })));
    const shifted = range(300, (i) => (i % 2 ? 'red' : colours[i % 3]));
    const resample = range(300, (i) => colours[(i * 7) % 3]);
    expect(featureDrift('colour', small.colour, shifted)).toMatchObject({ method: 'chisquare', drifted: true });
    expect(featureDrift('colour', small.colour, resample)).toMatchObject({ method: 'chisquare', drifted: false });
    expect(featureDrift('colour', large.colour, shifted)).toMatchObject({ method: 'jensenshannon', drifted: true });
    expect(featureDrift('colour', large.colour, resample)).toMatchObject({ method: 'jensenshannon', drifted: false });
  });
});
