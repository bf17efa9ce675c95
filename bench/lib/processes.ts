import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

/**
 * CPU time and memory of process trees, read from /proc (Linux): what a
 * benchmark's browsers and workers cost, sampled while they run.
 */
const TICKS_PER_SEC = 100;
const PAGE_KB = 4;

interface Proc {
  pid: number;
  ppid: number;
  cpuSec: number;
  rssMb: number;
  cmd: string;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: split after its closing ")".
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const ppid = Number(fields[1]);
    const cpuSec = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
    return {
      pid,
      ppid,
      cpuSec,
      rssMb: (Number(fields[21]) * PAGE_KB) / 1024,
      cmd: stat.slice(stat.indexOf('(') + 1, close),
    };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system, all threads) one process has used; undefined once it is gone or off Linux. */
export const processCpuSec = (pid: number | undefined): number | undefined =>
  pid === undefined ? undefined : readProc(pid)?.cpuSec;

/**
 * Proportional set size: shared pages (Chromium's libraries, shared between
 * its processes) divided among the processes that share them, so a tree's sum
 * is its real footprint. RSS would count them once per process.
 */
function memoryMb(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * What a process is, for a CPU breakdown: Chromium's --type (and utility
 * sub-type: audio, network, ...), else the executable's name (node, ...).
 */
export function kindOf(pid: number, cmd: string): string {
  try {
    // Chromium rewrites its process title, so its cmdline may be one space-joined string.
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = argv.find((a) => a.startsWith('--type='))?.slice(7);
    if (!type && cmd === 'node') {
      // node <flags> <script>: name it after the script (a fixture, a test worker, the runner).
      const script = argv.slice(1).find((a) => /\.[cm]?[jt]s$/.test(a));
      return script ? `node:${path.basename(script).replace(/\.[cm]?[jt]s$/, '')}` : cmd;
    }
    if (!type) return /chrom/i.test(cmd) ? 'browser' : cmd;
    const sub = argv.find((a) => a.startsWith('--utility-sub-type='))?.slice(19);
    return sub ? sub.split('.')[0]! : type;
  } catch {
    return cmd;
  }
}

function allProcs(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is Proc => p !== null);
}

/** Every process descended from `root` (included), optionally only those whose name matches. */
export function tree(root: number, match?: RegExp): Proc[] {
  const procs = allProcs();
  const kids = new Map<number, Proc[]>();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const out: Proc[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const self = procs.find((p) => p.pid === pid);
    if (self && (!match || match.test(self.cmd))) out.push({ ...self, rssMb: memoryMb(pid) ?? self.rssMb });
    for (const k of kids.get(pid) ?? []) stack.push(k.pid);
  }
  return out;
}

/**
 * Samples a process tree every second: CPU seconds used (summed over the
 * processes seen, including ones that exited) and peak total RSS.
 */
export class TreeSampler {
  private readonly lastCpu = new Map<number, number>();
  private readonly kinds = new Map<number, string>();
  private cpuSec = 0;
  /** CPU seconds by process kind (renderer, audio, network, gpu-process, browser, node, ...). */
  readonly cpuSecByKind: Record<string, number> = {};
  private baselineTaken = false;
  /** Peak of the tree's summed proportional set size (RSS where PSS is not available). */
  peakRssMb = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedMs = Date.now();

  constructor(
    private readonly root: () => number | undefined,
    private readonly match?: RegExp,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), 1000);
    return this;
  }

  sample(): void {
    const root = this.root();
    if (root === undefined) return;
    let rss = 0;
    for (const p of tree(root, this.match)) {
      // Processes already running at the first sample count from then; later ones from their start.
      const used = p.cpuSec - (this.lastCpu.get(p.pid) ?? (this.baselineTaken ? 0 : p.cpuSec));
      this.cpuSec += used;
      this.lastCpu.set(p.pid, p.cpuSec);
      if (!this.kinds.has(p.pid)) this.kinds.set(p.pid, kindOf(p.pid, p.cmd));
      const kind = this.kinds.get(p.pid)!;
      this.cpuSecByKind[kind] = (this.cpuSecByKind[kind] ?? 0) + used;
      rss += p.rssMb;
    }
    this.baselineTaken = true;
    this.peakRssMb = Math.max(this.peakRssMb, rss);
  }

  stop(): { cpuSec: number; cores: number; peakRssMb: number; cpuSecByKind: Record<string, number> } {
    clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.startedMs) / 1000;
    return {
      cpuSec: this.cpuSec,
      cores: this.cpuSec / seconds,
      peakRssMb: this.peakRssMb,
      cpuSecByKind: this.cpuSecByKind,
    };
  }
}

export const CORES = os.cpus().length;
