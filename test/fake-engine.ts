/**
 * A virtual clock and a fake model for testing the measurement loop's arithmetic (iteration counts,
 * stop rules, Poisson schedules, throughput, warnings) exactly and fast. Nothing here measures anything.
 */
import type { HostInputs, LoadedModel } from '../src/engines/engine.js';
import type { Clock } from '../src/measure/types.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Discrete-event clock: time stands still while JavaScript runs and jumps to the earliest pending
 * timer once every microtask has settled (checked with setImmediate). Timers due at the same time fire
 * in creation order, one per jump, so a run is fully deterministic.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private pumpScheduled = false;

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
      this.schedulePump();
    });
  }

  /** Virtual timers not yet fired (tests assert none leak). */
  pending(): number {
    return this.timers.length;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (this.timers.length === 0) return;
    let best = 0;
    for (let i = 1; i < this.timers.length; i++) {
      const a = this.timers[i] as Timer;
      const b = this.timers[best] as Timer;
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) best = i;
    }
    const [timer] = this.timers.splice(best, 1) as [Timer];
    this.t = Math.max(this.t, timer.at);
    timer.resolve();
    if (this.timers.length > 0) this.schedulePump();
  }
}

/** Simulated run durations in ms: a list (the last entry repeats) or a function of the call index. */
export type DurationScript = readonly number[] | ((call: number) => number);

/**
 * A LoadedModel whose run() takes a scripted virtual time on `clock`. `calls` counts run() calls,
 * `maxInFlight` the most concurrent ones seen; `failAt` makes that call (0-based) reject.
 */
export class FakeModel implements LoadedModel {
  inputs = [{ name: 'x', dtype: 'float32' as const, shape: [1, 3, 8, 8] }];
  outputs = [{ name: 'y', dtype: 'float32' as const, shape: [1, 10] }];
  provider = 'fake';
  providerOptions = {};
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  failAt: number | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly script: DurationScript,
  ) {}

  durationOf(call: number): number {
    if (typeof this.script === 'function') return this.script(call);
    return this.script[Math.min(call, this.script.length - 1)] ?? 0;
  }

  async bind(_inputs: HostInputs): Promise<void> {}

  async run(): Promise<void> {
    const call = this.calls++;
    if (call === this.failAt) throw new Error(`fake failure at call ${call}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await this.clock.sleep(this.durationOf(call));
    this.inFlight--;
  }

  async runAndRead(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    await this.run();
    return new Map([['y', { shape: [1, 10], data: new Float32Array(10) }]]);
  }

  async dispose(): Promise<void> {}
}

/** A fresh virtual clock and a fake model running `script` on it. */
export function setup(script: DurationScript): { clock: VirtualClock; model: FakeModel } {
  const clock = new VirtualClock();
  return { clock, model: new FakeModel(clock, script) };
}
