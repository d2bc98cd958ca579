import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import { AppError } from '../../platform/errors.ts';
import { ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import { CredentialHeaders } from '../../domain/connections/index.ts';
import { findExecution } from '../../domain/workflows/index.ts';
import { hasResponseStep, triggerAppEvent, triggerRequest } from '../../domain/runs/index.ts';

const EventBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'The App Event name workflows are triggered by' }),
    payload: Type.Optional(Type.Unknown({ description: 'Any JSON; workflows read it as {{event.KEY}}' })),
  },
  { description: 'An App Event, as `paragon.event(name, payload)` sends it' },
);

const EventAccepted = Type.Object(
  { executionIds: Type.Array(Type.String(), { description: 'One run per workflow (and configuration) the event started; empty when none listens' }) },
  { description: 'The event was accepted' },
);

const NotCompleted = Type.Object(
  {
    message: Type.String(),
    dateSubmitted: Type.String({ format: 'date-time' }),
    projectId: Type.String(),
    workflowId: Type.String(),
    executionId: Type.String(),
  },
  { description: 'The run is queued or still running; Task History has it under executionId' },
);

/** Headers a workflow may read as {{request.headers.X}}: never the caller's credentials. */
const HIDDEN_HEADER = /^(authorization|cookie|x-paragon-|proxy-|host$|connection$|content-length$)/i;

function visibleHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HIDDEN_HEADER.test(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** App Events and Request triggers (the SDK's `event()` and `workflow()`). */
export function triggerConnectRoutes(ctx: AppContext, options: { requestTrigger: boolean }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/events/trigger', {
      schema: {
        tags: ['Connect'],
        summary: 'Send an App Event: every workflow the user enabled that listens to it runs (X-Paragon-Credential / -Configuration-Id narrow it)',
        params: ProjectParams,
        headers: CredentialHeaders,
        body: EventBody,
        response: { 201: EventAccepted, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state, user } = callerOf(request);
      const executionIds = await triggerAppEvent(ctx, state, user, { name: request.body.name, payload: request.body.payload }, {
        credential: request.headers['x-paragon-credential'],
        configuration: request.headers['x-paragon-configuration-id'],
      });
      return reply.status(201).send({ executionIds });
    });

    if (!options.requestTrigger) return;

    app.post('/triggers/:workflowId', {
      schema: {
        tags: ['Connect'],
        summary: "Run a Request-triggered workflow: 202 at once without a Response step; the Response step's status and body otherwise; 542 if it has not answered in time",
        params: Type.Intersect([ProjectParams, Type.Object({ workflowId: Type.String({ maxLength: 128 }) })]),
        headers: CredentialHeaders,
        body: Type.Optional(Type.Unknown({ description: 'Any JSON; the workflow reads it as {{request.body.KEY}}' })),
        querystring: Type.Record(Type.String(), Type.Unknown()),
        response: {
          202: Type.Object({ executionId: Type.String(), workflowId: Type.String(), status: Type.String() }, { description: 'Queued; no Response step to wait for' }),
          542: NotCompleted,
          ...errorResponses,
        },
      },
    }, async (request, reply) => {
      const { state, user } = callerOf(request);
      const dateSubmitted = new Date().toISOString();
      const { executionId, workflow } = await triggerRequest(ctx, state, user, request.params.workflowId, {
        body: request.body ?? {},
        query: request.query as Record<string, unknown>,
        headers: visibleHeaders(request.headers),
      }, {
        credential: request.headers['x-paragon-credential'],
        configuration: request.headers['x-paragon-configuration-id'],
      });
      if (!hasResponseStep(workflow)) return reply.status(202).send({ executionId, workflowId: workflow.id, status: 'QUEUED' });

      // Wait for the Response step, reading the execution (it may run on any node).
      const deadline = Date.now() + ctx.config.requestTriggerWaitMs;
      let pause = 20;
      // The response's 'close' before we answer: the caller went away (the request stream itself ends once read).
      let gone = false;
      reply.raw.once('close', () => (gone = true));
      while (Date.now() < deadline && !gone) {
        const row = await findExecution(ctx.store.db, executionId);
        if (row?.response) {
          const answer = JSON.parse(row.response) as { status: number; body: unknown };
          return reply.status(answer.status as 202).type('application/json').serializer((body: unknown) => JSON.stringify(body)).send(answer.body ?? null);
        }
        if (row && (row.status === 'FAILED' || row.status === 'CANCELLED')) {
          throw AppError.from('WORKFLOW_EXECUTION_FAILED', `The workflow ${row.status === 'FAILED' ? 'failed' : 'was cancelled'} before its Response step: ${row.error ?? 'no detail'}`, { executionId });
        }
        if (row?.status === 'SUCCEEDED') return reply.status(202).send({ executionId, workflowId: workflow.id, status: 'SUCCEEDED' });
        await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
        pause = Math.min(pause * 2, 250);
      }
      return reply.status(542).send({ message: 'Workflow has been enqueued but has not completed.', dateSubmitted, projectId: state.project.id, workflowId: workflow.id, executionId });
    });
  };
}
