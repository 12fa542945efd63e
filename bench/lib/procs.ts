/**
 * Reading other processes' memory and CPU from /proc (Linux only; elsewhere these return undefined).
 * Used to attribute the run's cost: workerd (the workers), the dev proxy, the relay + PGlite, the harness.
 * Shared by the benches and the drills (scripts/drill/stack.ts finds the workerd to kill with it).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in clock ticks, 100 per second on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

export interface ProcInfo {
  pid: number;
  /** A short role, e.g. "workerd (workers)". */
  role: string;
  cmd: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function cmdline(pid: number): string {
  return (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
}

/** Resident set size in MiB (VmRSS). */
export function rssMiB(pid: number): number | undefined {
  const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) / 1024 : undefined;
}

/** Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parens). */
function statFields(path: string): string[] | undefined {
  const raw = read(path);
  if (!raw) return undefined;
  return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) used so far by a process, or by one thread (`/proc/pid/task/tid`). */
export function cpuSeconds(pid: number, tid?: number): number | undefined {
  const f = statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  // After the name: state(0) ppid(1) … utime(11) stime(12).
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : undefined;
}

export function parentOf(pid: number): number | undefined {
  const f = statFields(`/proc/${pid}/stat`);
  return f ? Number(f[1]) : undefined;
}

export function threadsOf(pid: number): { tid: number; name: string }[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((t) => ({
      tid: Number(t),
      name: (read(`/proc/${pid}/task/${t}/comm`) ?? '?').trim(),
    }));
  } catch {
    return [];
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = parentOf(pid);
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/**
 * The processes of a `scripts/dev.ts` stack serving `port`. Given the dev script's pid (when the bench
 * started it) its tree is used; otherwise the workerd listening as the entry on that port is found and
 * its ancestors are followed up to the dev script.
 */
export function stackProcesses(port: number, devPid?: number): ProcInfo[] {
  let root = devPid;
  if (root === undefined) {
    const entry = allPids().find((pid) => cmdline(pid).includes(`--socket-addr=entry=127.0.0.1:${port} `));
    let p = entry;
    while (p !== undefined && p > 1) {
      root = p;
      if (cmdline(p).includes('scripts/dev.ts')) break;
      p = parentOf(p);
    }
  }
  if (root === undefined) return [];
  const pids = [root, ...descendantsOf(root)];
  const out: ProcInfo[] = [];
  for (const pid of pids) {
    const cmd = cmdline(pid);
    let role: string | undefined;
    if (cmd.includes('workerd'))
      role = cmd.includes(`entry=127.0.0.1:${port} `) ? 'workerd (dev proxy)' : 'workerd (workers)';
    else if (cmd.includes('scripts/dev.ts')) role = 'node dev.ts (relay + PGlite)';
    else if (cmd.includes('wrangler-dist/cli.js')) role = 'node wrangler (miniflare)';
    else if (cmd.includes('wrangler/bin/wrangler.js')) role = 'node wrangler (launcher)';
    if (role) out.push({ pid, role, cmd });
  }
  return out;
}

/** TCP ports a process listens on at 127.0.0.1 (from /proc/net/tcp and its socket fds). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const line of (read('/proc/net/tcp') ?? '').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // local_address is hex "0100007F:PORT"; state 0A = LISTEN; inode is column 9.
    if (cols[3] === '0A' && cols[1]?.startsWith('0100007F:') && inodes.has(cols[9] ?? ''))
      ports.push(parseInt(cols[1].slice(9), 16));
  }
  return ports;
}

/** Machine-wide CPU seconds (busy, total) from /proc/stat, summed over all cores. */
export function machineCpuSeconds(): { busy: number; total: number } | undefined {
  const line = (read('/proc/stat') ?? '').split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * Scheduler statistics of a thread (ns): time on a CPU, and time spent runnable but waiting for one.
 * The second is the direct measure of CPU starvation: a thread that wants to run while other
 * processes hold the cores accumulates run-queue wait, where a thread blocked on I/O does not.
 */
export function schedstat(pid: number, tid: number): { onCpuNs: number; runqWaitNs: number } | undefined {
  const raw = read(`/proc/${pid}/task/${tid}/schedstat`);
  if (!raw) return undefined;
  const [onCpu, wait] = raw.trim().split(/\s+/).map(Number);
  return { onCpuNs: onCpu ?? 0, runqWaitNs: wait ?? 0 };
}

/** The workers' workerd answers /health on one of its listening ports (the others are internal). */
export async function findWorkersEntry(procs: ProcInfo[]): Promise<number | undefined> {
  for (const p of procs.filter((x) => x.role === 'workerd (workers)')) {
    for (const port of listeningPorts(p.pid)) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok && ((await res.json()) as { status?: string }).status === 'ok') return port;
      } catch {
        // not an HTTP port
      }
    }
  }
  return undefined;
}
