import { Gauge } from 'prom-client';
import { registerOnce, type Registry } from '../metrics/registry.ts';

interface WaitingConsumer {
  readonly name: string;
  readonly waitingAtGapSince: number | undefined;
}

/** How long each durable consumer of this process has waited at an outbox gap for a transaction still open. */
export function registerConsumerMetrics(registry: Registry, consumers: () => Iterable<WaitingConsumer>): void {
  registerOnce(registry, 'portico_event_consumer_gap_wait_seconds', () => new Gauge({
    name: 'portico_event_consumer_gap_wait_seconds',
    help: 'Seconds a durable consumer has waited behind a sequence value that an open transaction may still commit (0 when not waiting).',
    labelNames: ['consumer'],
    registers: [],
    collect() {
      this.reset();
      const now = Date.now();
      for (const { name, waitingAtGapSince } of consumers()) {
        this.set({ consumer: name }, waitingAtGapSince === undefined ? 0 : (now - waitingAtGapSince) / 1000);
      }
    },
  }));
}
