import { Counter, Gauge } from 'prom-client';
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

/** Events this node learnt of from the outbox because their announcement never came (a node died after its commit). */
export function registerNoticeMetrics(registry: Registry, found: () => number): void {
  registerOnce(registry, 'portico_event_notices_missed_total', () => new Counter({
    name: 'portico_event_notices_missed_total',
    help: 'Committed events whose announcement never reached this node and that its outbox sweep found instead.',
    registers: [],
    collect() {
      this.reset();
      this.inc(found());
    },
  }));
}
