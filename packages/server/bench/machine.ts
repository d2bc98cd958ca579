import fs from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  /** 1-minute load average when the run started: other work on a shared machine skews numbers. */
  loadAverage: number;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Memory and CPU time of a child process, read from /proc (Linux). */
export class ProcessMeter {
  private peakSampledKb = 0;
  private timer: NodeJS.Timeout | undefined;
  private cpuAtStart = 0;
  private startedAt = 0;

  constructor(readonly pid: number) {}

  private status(): Record<string, number> {
    const out: Record<string, number> = {};
    try {
      for (const line of fs.readFileSync(`/proc/${this.pid}/status`, 'utf8').split('\n')) {
        const match = /^(VmRSS|VmHWM):\s+(\d+) kB/.exec(line);
        if (match) out[match[1]!] = Number(match[2]);
      }
    } catch {
      // The process is gone; the last samples stand.
    }
    return out;
  }

  /** User + system CPU seconds consumed so far. */
  private cpuSeconds(): number {
    try {
      const fields = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return 0;
    }
  }

  rssMb(): number {
    return (this.status().VmRSS ?? 0) / 1024;
  }

  /** Starts a measurement window: resets the kernel's high-water mark and samples VmRSS as a fallback. */
  start(): void {
    try {
      fs.writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      // Older kernels or no permission: VmHWM then covers the process's whole life.
    }
    this.peakSampledKb = this.status().VmRSS ?? 0;
    this.cpuAtStart = this.cpuSeconds();
    this.startedAt = performance.now();
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      this.peakSampledKb = Math.max(this.peakSampledKb, this.status().VmRSS ?? 0);
    }, 100);
    this.timer.unref();
  }

  /** Peak RSS (MB) and CPU use (% of one core) since `start()`. */
  stop(): { peakRssMb: number; cpuPercent: number } {
    clearInterval(this.timer);
    this.timer = undefined;
    const { VmHWM = 0, VmRSS = 0 } = this.status();
    const peakKb = Math.max(this.peakSampledKb, VmRSS, VmHWM);
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const cpuPercent = elapsed > 0 ? ((this.cpuSeconds() - this.cpuAtStart) / elapsed) * 100 : 0;
    return { peakRssMb: Math.round((peakKb / 1024) * 10) / 10, cpuPercent: Math.round(cpuPercent) };
  }
}
