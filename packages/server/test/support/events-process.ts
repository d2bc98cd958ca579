import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { NodeOptions } from './events-node.ts';

const SCRIPT = path.resolve(import.meta.dirname, 'events-node.ts');

export type Report = Record<string, unknown>;

/** A child process running test/support/events-node.ts, with its JSON-line reports collected. */
export class EventsNode {
  readonly reports: Report[] = [];
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private stderr = '';

  constructor(role: 'listener' | 'emitter' | 'consumer', options: NodeOptions) {
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, role, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (data: Buffer) => (this.stderr += data.toString()));
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.reports.push(JSON.parse(line) as Report);
      for (const wake of this.waiters) wake();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  send(command: Report): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves once `count` reports match, or rejects after `timeoutMs` with what the child printed. */
  async waitFor(match: (report: Report) => boolean, count = 1, timeoutMs = 20_000): Promise<Report[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.reports.filter(match);
      if (found.length >= count) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`events node exited early:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} reports (have ${found.length}):\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 100);
        this.waiters.add(wake);
      });
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.child.kill(signal);
    return this.exited;
  }
}
