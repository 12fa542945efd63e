/** The machine a bench runs on: how busy it is before a run, and what it is (for the report). */
import os from 'node:os';
import { machineCpuSeconds } from './procs';

/**
 * How busy the machine is, in % of one core, over the next 2 s (NaN where /proc/stat is missing). Other work
 * (another developer's test run…) takes cores from the server and the harness alike.
 */
export async function busyPct(): Promise<number> {
  const before = machineCpuSeconds();
  await new Promise((r) => setTimeout(r, 2000));
  const after = machineCpuSeconds();
  return before && after ? ((after.busy - before.busy) / 2) * 100 : NaN;
}

export function busyLine(pct: number): string {
  return `machine busy before the run: ${pct.toFixed(0)} % of one core (of ${os.cpus().length * 100} %)`;
}

export interface MachineInfo {
  platform: string;
  release: string;
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    release: os.release(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memGiB: os.totalmem() / 2 ** 30,
    node: process.version,
  };
}
