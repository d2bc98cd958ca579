const WIDTH = 30;

/** A progress bar on stderr: redrawn in place on a terminal, one line per 10% otherwise. */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly startedAt = performance.now();
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly label: string, private readonly total: number) {
    this.draw(true);
  }

  tick(count: number): void {
    this.done = Math.min(this.total, this.done + count);
    this.draw(this.done === this.total);
  }

  /** Seconds since the bar was created. */
  get elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  finish(): void {
    this.done = this.total;
    this.draw(true);
    if (this.tty) process.stderr.write('\n');
  }

  private draw(force: boolean): void {
    const now = performance.now();
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const decile = Math.floor(fraction * 10);
    const elapsed = (now - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const text = `${this.label} [${'#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `
      + `${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')}  ${Math.round(rate).toLocaleString('en-US')}/s  `
      + `${elapsed.toFixed(1)} s${this.done < this.total ? `  ETA ${eta.toFixed(0)} s` : ''}`;
    if (this.tty) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      process.stderr.write(`\r${text}\u001b[K`);
    } else if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`${text}\n`);
    }
  }
}
