/**
 * Poisson regression with a log link, fitted by iteratively reweighted least squares (Newton's method on the
 * log-likelihood), with a small ridge penalty (not on the intercept) so that collinear features stay finite.
 * Hand-written: no maintained GLM package is in the offline npm cache, and the model has under ten terms, so
 * the normal equations are solved directly (Gaussian elimination with partial pivoting).
 */

export interface PoissonFit {
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

/** Solves A x = b for a small dense symmetric positive-definite A (copied, not modified). */
export function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12)
      throw new Error('singular system: a feature is constant or a copy of another');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r]![col]! / m[col]![col]!;
      if (factor === 0) continue;
      for (let c = col; c <= n; c++) m[r]![c]! -= factor * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Fits y ~ Poisson(exp(X β)). Column 0 of X must be the intercept (all ones). */
export function fitPoisson(
  x: number[][],
  y: number[],
  options: { ridge?: number; maxIterations?: number; tolerance?: number } = {},
): PoissonFit {
  const ridge = options.ridge ?? 1e-3;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const k = x[0]!.length;
  const meanY = y.reduce((s, v) => s + v, 0) / y.length;
  // Start from the constant model: every prediction is the mean.
  let beta = Array.from({ length: k }, (_, j) => (j === 0 ? Math.log(Math.max(meanY, 1e-6)) : 0));
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Newton step: (Xᵀ W X + λI) Δ = Xᵀ (y − μ) − λβ, with W = diag(μ).
    const hessian = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const gradient = new Array<number>(k).fill(0);
    for (let i = 0; i < x.length; i++) {
      const row = x[i]!;
      let eta = 0;
      for (let j = 0; j < k; j++) eta += beta[j]! * row[j]!;
      const mu = Math.exp(Math.min(eta, 50));
      const residual = y[i]! - mu;
      for (let j = 0; j < k; j++) {
        gradient[j]! += row[j]! * residual;
        for (let l = j; l < k; l++) hessian[j]![l]! += mu * row[j]! * row[l]!;
      }
    }
    for (let j = 0; j < k; j++) {
      for (let l = 0; l < j; l++) hessian[j]![l] = hessian[l]![j]!;
      if (j > 0) {
        hessian[j]![j]! += ridge * x.length;
        gradient[j]! -= ridge * x.length * beta[j]!;
      }
    }
    const step = solve(hessian, gradient);
    beta = beta.map((b, j) => b + step[j]!);
    if (Math.max(...step.map(Math.abs)) < tolerance)
      return { coefficients: beta, iterations: iteration, converged: true };
  }
  return { coefficients: beta, iterations: maxIterations, converged: false };
}
