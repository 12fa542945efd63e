/**
 * Samples the CPU use of the stack's processes (and their busiest thread) once a second while votes are
 * driven. On 2 cores this is what tells "the server is saturated" from "the client is": a workerd
 * thread pinned at ~100 % is a single-threaded isolate that cannot go faster.
 */
import { execFile } from 'node:child_process';
import { cpuSeconds, machineCpuSeconds, type ProcInfo, rssMiB, schedstat, threadsOf } from '../lib/procs';

export interface ProcessCpu {
  pid: number;
  role: string;
  /** Average CPU over the sampled window, in % of one core. */
  avgPct: number;
  /** Highest 1-second sample. */
  maxPct: number;
  /**
   * Busiest thread over the window: name, % of one core on a CPU, and % of the window it was runnable
   * but waiting for a core (run-queue wait: > 0 means it was starved by other processes).
   */
  topThread: { name: string; avgPct: number; runqWaitPct: number } | undefined;
  rssBeforeMiB: number | undefined;
  rssAfterMiB: number | undefined;
}

export interface CpuReport {
  windowS: number;
  processes: ProcessCpu[];
  /** Harness (this process) CPU over the same window, % of one core. */
  harnessPct: number;
  /** The harness's busiest-waiting thread: % of the window runnable but waiting for a core. */
  harnessRunqWaitPct: number;
  /** All cores together, % of one core (200 = both cores of a 2-core machine fully busy). */
  machineBusyPct: number;
  /**
   * CPU used by processes that are neither the harness nor the watched server processes (another
   * developer's tests, the kernel's softirq work for loopback traffic, …), % of one core. Large values
   * mean the figures were measured on a shared, busy machine.
   */
  otherPct: number;
  /** `top -b -n1` taken mid-run, as evidence of who used the cores. */
  topSnapshot: string | undefined;
}

export class CpuSampler {
  #timer: NodeJS.Timeout | undefined;
  #start = 0;
  #harnessStart = process.cpuUsage();
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, { t: number; cpu: number }>();
  readonly #max = new Map<number, number>();
  readonly #threadsFirst = new Map<string, { onCpuNs: number; runqWaitNs: number }>();
  readonly #rssBefore = new Map<number, number | undefined>();
  #topSnapshot: string | undefined;
  #machineStart = machineCpuSeconds();
  #harnessSched = new Map<number, number>();

  constructor(private readonly procs: ProcInfo[]) {
    for (const p of procs) this.#rssBefore.set(p.pid, rssMiB(p.pid));
  }

  start(topAfterMs: number): void {
    this.#start = performance.now();
    this.#harnessStart = process.cpuUsage();
    // Every thread of the harness (main + worker threads): the busiest one's wait is reported.
    for (const t of threadsOf(process.pid))
      this.#harnessSched.set(t.tid, schedstat(process.pid, t.tid)?.runqWaitNs ?? 0);
    this.#machineStart = machineCpuSeconds();
    for (const p of this.procs) {
      const cpu = cpuSeconds(p.pid) ?? 0;
      this.#first.set(p.pid, cpu);
      this.#last.set(p.pid, { t: this.#start, cpu });
      for (const t of threadsOf(p.pid))
        this.#threadsFirst.set(`${p.pid}/${t.tid}`, schedstat(p.pid, t.tid) ?? { onCpuNs: 0, runqWaitNs: 0 });
    }
    this.#timer = setInterval(() => this.#sample(), 1000);
    setTimeout(() => {
      // Two frames 1 s apart: top's first frame shows averages since boot, the second the last second.
      execFile('top', ['-b', '-n2', '-d1', '-w', '200'], { timeout: 5000 }, (err, stdout) => {
        const frame = stdout.split(/^(?=top - )/m).at(-1);
        if (!err && frame) this.#topSnapshot = frame.split('\n').slice(0, 20).join('\n');
      });
    }, topAfterMs).unref();
  }

  #sample(): void {
    const now = performance.now();
    for (const p of this.procs) {
      const cpu = cpuSeconds(p.pid);
      const last = this.#last.get(p.pid);
      if (cpu === undefined || !last) continue;
      const pct = ((cpu - last.cpu) / ((now - last.t) / 1000)) * 100;
      this.#max.set(p.pid, Math.max(this.#max.get(p.pid) ?? 0, pct));
      this.#last.set(p.pid, { t: now, cpu });
    }
  }

  stop(): CpuReport {
    if (this.#timer) clearInterval(this.#timer);
    const windowS = (performance.now() - this.#start) / 1000;
    const harness = process.cpuUsage(this.#harnessStart);
    const processes = this.procs.map((p): ProcessCpu => {
      const cpu = cpuSeconds(p.pid);
      let topThread: ProcessCpu['topThread'];
      for (const t of threadsOf(p.pid)) {
        const first = this.#threadsFirst.get(`${p.pid}/${t.tid}`) ?? { onCpuNs: 0, runqWaitNs: 0 };
        const now = schedstat(p.pid, t.tid) ?? first;
        const pct = ((now.onCpuNs - first.onCpuNs) / 1e9 / windowS) * 100;
        const waitPct = ((now.runqWaitNs - first.runqWaitNs) / 1e9 / windowS) * 100;
        if (!topThread || pct > topThread.avgPct) topThread = { name: t.name, avgPct: pct, runqWaitPct: waitPct };
      }
      return {
        pid: p.pid,
        role: p.role,
        avgPct: cpu === undefined ? NaN : ((cpu - (this.#first.get(p.pid) ?? cpu)) / windowS) * 100,
        maxPct: this.#max.get(p.pid) ?? NaN,
        topThread,
        rssBeforeMiB: this.#rssBefore.get(p.pid),
        rssAfterMiB: rssMiB(p.pid),
      };
    });
    const harnessPct = ((harness.user + harness.system) / 1e6 / windowS) * 100;
    const machine = machineCpuSeconds();
    const machineBusyPct =
      machine && this.#machineStart ? ((machine.busy - this.#machineStart.busy) / windowS) * 100 : NaN;
    const serverPct = processes.reduce((a, p) => a + (Number.isFinite(p.avgPct) ? p.avgPct : 0), 0);
    let harnessWaitNs = 0;
    for (const [tid, first] of this.#harnessSched) {
      const now = schedstat(process.pid, tid);
      if (now) harnessWaitNs = Math.max(harnessWaitNs, now.runqWaitNs - first);
    }
    const harnessRunqWaitPct = (harnessWaitNs / 1e9 / windowS) * 100;
    return {
      windowS,
      processes,
      harnessPct,
      harnessRunqWaitPct,
      machineBusyPct,
      otherPct: machineBusyPct - serverPct - harnessPct,
      topSnapshot: this.#topSnapshot,
    };
  }
}
