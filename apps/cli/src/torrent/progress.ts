/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true && total > 0;
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  readonly tick = (bytes: number): void => {
    this.done += bytes;
    const now = Date.now();
    if (!this.enabled || (now - this.lastDraw < 100 && this.done < this.total)) return;
    this.lastDraw = now;
    const frac = Math.min(1, this.done / this.total);
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const mbps = this.done / 1e6 / secs;
    this.stream.write(
      `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mbps.toFixed(0)} MB/s `,
    );
  };

  finish(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
