import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Requests between their first hook and their answer. `app.close()` returns once every connection
 * has ended, but a request whose client went away ends its connection while its handler still
 * runs; closing the store then would fail it half way. `drained()` waits for those too.
 */
export interface InFlightRequests {
  readonly count: number;
  /** Resolves when no request is in flight, or after `timeoutMs` whatever remains. */
  drained(timeoutMs: number): Promise<void>;
}

export function trackInFlight(app: FastifyInstance): InFlightRequests {
  const active = new WeakSet<FastifyRequest>();
  let count = 0;
  let waiters: Array<() => void> = [];
  const finish = (request: FastifyRequest) => {
    if (!active.delete(request)) return;
    count -= 1;
    if (count === 0) {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    }
  };
  app.addHook('onRequest', (request, _reply, done) => {
    active.add(request);
    count += 1;
    done();
  });
  // Every answer passes onSend, success or error, also when its client has gone; onResponse
  // covers an answer that skipped it.
  app.addHook('onSend', (request, _reply, payload, done) => {
    finish(request);
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    finish(request);
    done();
  });
  return {
    get count() {
      return count;
    },
    drained(timeoutMs) {
      if (count === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
