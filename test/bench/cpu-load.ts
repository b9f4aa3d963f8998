import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * How much of the machine other processes used while a section ran. The benchmarks share the
 * cores with whatever else runs; a busy neighbour slows every figure, so the report says how
 * busy the machine was. Linux only (/proc); elsewhere the share is null.
 */
interface Snapshot {
  /** Jiffies (USER_HZ) the whole machine spent busy, and in all. */
  machineBusy: number;
  machineTotal: number;
  /** Jiffies of this process and of the children it has waited for. */
  own: number;
}

function snapshot(): Snapshot | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu.map(Number);
    const machineBusy = user! + nice! + system! + irq! + softirq! + steal!;
    const self = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return {
      machineBusy,
      machineTotal: machineBusy + idle! + iowait!,
      own: utime! + stime! + cutime! + cstime!,
    };
  } catch {
    return null;
  }
}

export class CpuLoadMonitor {
  private readonly start = snapshot();
  /** The one-minute load average, every 10 s: how many processes wanted the cores. */
  private readonly loads: number[] = [os.loadavg()[0]!];
  private readonly sampler = setInterval(() => this.loads.push(os.loadavg()[0]!), 10_000).unref();

  /** The load average's mean and largest sample since construction (stops sampling). */
  loadAverage(): { mean: number; max: number } {
    clearInterval(this.sampler);
    return {
      mean: this.loads.reduce((sum, load) => sum + load, 0) / this.loads.length,
      max: Math.max(...this.loads),
    };
  }

  /** Share of the machine's CPU time (0..1) that other processes used since construction. */
  othersShare(): number | null {
    const end = snapshot();
    if (this.start === null || end === null) return null;
    const total = end.machineTotal - this.start.machineTotal;
    if (total <= 0) return null;
    const others = end.machineBusy - this.start.machineBusy - (end.own - this.start.own);
    return Math.max(0, others / total);
  }
}
