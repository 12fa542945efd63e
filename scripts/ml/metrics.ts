/** Error measures of a regression, on the same held-out rows for every model so they compare. */
export interface RegressionErrors {
  n: number;
  mae: number;
  rmse: number;
  /** Mean absolute percentage error, over rows whose actual value is above zero. */
  mape: number;
}

export function regressionErrors(actual: readonly number[], predicted: readonly number[]): RegressionErrors {
  let abs = 0;
  let sq = 0;
  let pct = 0;
  let pctN = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = predicted[i]! - actual[i]!;
    abs += Math.abs(e);
    sq += e * e;
    if (actual[i]! > 0) {
      pct += Math.abs(e) / actual[i]!;
      pctN++;
    }
  }
  const n = actual.length;
  return { n, mae: abs / n, rmse: Math.sqrt(sq / n), mape: pctN ? pct / pctN : 0 };
}

export const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
