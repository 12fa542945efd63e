/**
 * CPU used by the Postgres server over a window, from /proc (Linux only). Each worker request opens its own
 * connections, i.e. short-lived backend processes: their CPU is counted when they exit, in the postmaster's
 * cutime/cstime (time of waited-for children), plus the growth of the backends still alive at both ends.
 * It is the whole cluster's CPU: other databases' clients on the same server count too.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100;

function stat(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function cmd(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The postmaster: a `postgres -D …` process; its children are the backends. */
function findPostmaster(): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const c = cmd(Number(d));
    if (/\/postgres\s+-D\s/.test(c) || /^postgres\s+-D\s/.test(c)) return Number(d);
  }
  return undefined;
}

interface Snapshot {
  /** CPU seconds of the postmaster itself plus its reaped children. */
  postmaster: number;
  children: Map<number, number>;
}

function snapshot(postmaster: number): Snapshot | undefined {
  const f = stat(postmaster);
  if (!f) return undefined;
  // After the name: utime(11) stime(12) cutime(13) cstime(14).
  const own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
  const children = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(Number(d));
    if (s && Number(s[1]) === postmaster) children.set(Number(d), (Number(s[11]) + Number(s[12])) / TICKS);
  }
  return { postmaster: own, children };
}

export class PostgresCpu {
  readonly #pid = findPostmaster();
  #start: Snapshot | undefined;
  #t0 = 0;

  get available(): boolean {
    return this.#pid !== undefined;
  }

  start(): void {
    if (this.#pid === undefined) return;
    this.#start = snapshot(this.#pid);
    this.#t0 = performance.now();
  }

  /** % of one core over the window since start(), or NaN when unavailable. */
  stop(): number {
    if (this.#pid === undefined || !this.#start) return NaN;
    const end = snapshot(this.#pid);
    if (!end) return NaN;
    let cpu = end.postmaster - this.#start.postmaster;
    for (const [pid, t] of end.children) cpu += t - (this.#start.children.get(pid) ?? 0);
    // Backends alive at the start that exited meanwhile: their whole lifetime went into cutime, so what
    // they had used before the window must come off again.
    for (const [pid, t] of this.#start.children) if (!end.children.has(pid)) cpu -= t;
    return (cpu / ((performance.now() - this.#t0) / 1000)) * 100;
  }
}
