/**
 * A fixed-size log-linear latency histogram (HDR-style). The benchmark records ~60 million samples
 * (2,000 sockets × 30,000 votes), so it must neither keep samples nor allocate per record.
 *
 * Values are stored in units of 0.1 ms. Below 12.8 ms every 0.1 ms has its own bucket; above, each power
 * of two is split into 64 buckets, so the relative error stays under 1/64 (~1.6 %) up to hours.
 */
const UNITS_PER_MS = 10;
const LINEAR = 128; // buckets 0..127: exact 0.1 ms steps (0 – 12.7 ms)
const SUB = 64; // sub-buckets per power of two above that
const MAX_UNITS = 0x7fffffff; // ~59 hours; larger values are clamped (clz32 works on 32-bit ints)
const MAX_EXP = 25; // bits - 7 for the largest value (31 bits)

export interface HistogramSummary {
  count: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** A histogram's state as plain data, to send between harness threads (structured clone) and merge. */
export interface HistogramDump {
  counts: Float64Array;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  readonly #counts = new Float64Array(LINEAR + SUB * MAX_EXP);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Records `n` samples of `ms` milliseconds (negative values, from clock jitter, count as 0). */
  record(ms: number, n = 1): void {
    const v = ms > 0 ? ms : 0;
    this.#counts[bucketOf(v)]! += n;
    this.#count += n;
    this.#sum += v * n;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#count;
  }

  dump(): HistogramDump {
    return { counts: this.#counts.slice(), count: this.#count, sum: this.#sum, min: this.#min, max: this.#max };
  }

  static load(d: HistogramDump): Histogram {
    const h = new Histogram();
    h.#counts.set(d.counts);
    h.#count = d.count;
    h.#sum = d.sum;
    h.#min = d.min;
    h.#max = d.max;
    return h;
  }

  /** Merges several threads' histograms into one. */
  static mergeAll(dumps: HistogramDump[]): Histogram {
    const h = new Histogram();
    for (const d of dumps) h.merge(Histogram.load(d));
    return h;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < this.#counts.length; i++) this.#counts[i]! += other.#counts[i]!;
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  /** The value at quantile q (0..1): the upper edge of the bucket holding it, capped at the exact max. */
  quantile(q: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(upperEdgeMs(i), this.#max);
    }
    return this.#max;
  }

  summary(): HistogramSummary {
    const empty = this.#count === 0;
    return {
      count: this.#count,
      minMs: empty ? NaN : this.#min,
      p50Ms: this.quantile(0.5),
      p90Ms: this.quantile(0.9),
      p95Ms: this.quantile(0.95),
      p99Ms: this.quantile(0.99),
      p999Ms: this.quantile(0.999),
      maxMs: empty ? NaN : this.#max,
      meanMs: empty ? NaN : this.#sum / this.#count,
    };
  }
}

function bucketOf(ms: number): number {
  const u = Math.min(Math.floor(ms * UNITS_PER_MS), MAX_UNITS);
  if (u < LINEAR) return u;
  // u >= 128: e = number of bits above the top 7 (so u >>> e is in [64, 128)).
  const e = 32 - Math.clz32(u) - 7; // 1..24
  return LINEAR + (e - 1) * SUB + ((u >>> e) - SUB);
}

function upperEdgeMs(bucket: number): number {
  if (bucket < LINEAR) return (bucket + 1) / UNITS_PER_MS;
  const e = Math.floor((bucket - LINEAR) / SUB) + 1;
  const sub = (bucket - LINEAR) % SUB;
  return ((SUB + sub + 1) * 2 ** e) / UNITS_PER_MS;
}

/** What the benches report of the requests a histogram timed over `wallS` seconds. */
export interface RequestFigures {
  requests: number;
  perS: number;
  latency: HistogramSummary;
}

export function requestFigures(h: Histogram, wallS: number): RequestFigures {
  return { requests: h.count, perS: h.count / wallS, latency: h.summary() };
}
