// Number formatting for promotion reports: a missing measurement reads "—", never "NaN" or "null".
export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);
export const ms = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`);
export const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '—' : String(Number(x.toFixed(digits))));
