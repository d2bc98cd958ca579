import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../domain/context.ts';
import {
  Webhook, WebhookDelivery, WebhookEventName, WebhookWithSecret,
  createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, retryDelivery, rotateWebhookSecret, updateWebhook,
} from '../../domain/webhooks/index.ts';
import { PageQuery, pageLimit } from '../../platform/http/pagination.ts';
import { ListOf, Nullable, ProjectParams, SchemaRef, errorResponses } from '../../platform/http/schemas.ts';
import { adminCallerOf } from './caller.ts';

const TAGS = ['Admin: webhooks'];
const WebhookRef = SchemaRef(Webhook);
const WebhookParams = Type.Intersect([ProjectParams, Type.Object({ webhookId: Type.String({ minLength: 1, maxLength: 64, description: 'Webhook id' }) })]);
const DeliveryParams = Type.Intersect([WebhookParams, Type.Object({ deliveryId: Type.String({ minLength: 1, maxLength: 64, description: 'Delivery id (the webhook-id header)' }) })]);
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL of your endpoint; its host must resolve to a public address unless PORTICO_OUTBOUND_ALLOW_HOSTS allows it' });
const Events = Type.Array(WebhookEventName, { minItems: 1, maxItems: 32, description: 'Event types to send, or ["*"] for all' });
const Description = Type.String({ maxLength: 500 });

export function webhooksAdminRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/webhooks', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: 'Create a webhook; its signing secret is in this answer only',
        params: ProjectParams,
        body: Type.Object({ url: Url, events: Events, description: Type.Optional(Nullable(Description)), enabled: Type.Optional(Type.Boolean({ default: true })) }, { additionalProperties: false }),
        response: { 201: WebhookWithSecret, ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      return reply.status(201).send(await createWebhook(ctx, state.project.id, request.body));
    });

    app.get('/webhooks', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: "The project's webhooks (never their secrets)",
        params: ProjectParams,
        response: { 200: ListOf(WebhookRef, "The project's webhooks, oldest first"), ...errorResponses },
      },
    }, async (request) => ({ data: await listWebhooks(ctx, adminCallerOf(request).state.project.id) }));

    app.get('/webhooks/:webhookId', {
      config: { scope: 'webhooks:write' },
      schema: { tags: TAGS, summary: 'A webhook (never its secret)', params: WebhookParams, response: { 200: WebhookRef, ...errorResponses } },
    }, async (request) => getWebhook(ctx, adminCallerOf(request).state.project.id, request.params.webhookId));

    app.patch('/webhooks/:webhookId', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: 'Change the URL, events, description or enabled flag; fields left out are kept',
        params: WebhookParams,
        body: Type.Object({ url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Nullable(Description)), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: WebhookRef, ...errorResponses },
      },
    }, async (request) => updateWebhook(ctx, adminCallerOf(request).state.project.id, request.params.webhookId, request.body));

    app.delete('/webhooks/:webhookId', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: 'Delete a webhook and its delivery log; nothing more is sent to it',
        params: WebhookParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses },
      },
    }, async (request, reply) => {
      await deleteWebhook(ctx, adminCallerOf(request).state.project.id, request.params.webhookId);
      return reply.status(204).send(null);
    });

    app.post('/webhooks/:webhookId/rotate-secret', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: 'Issue a new signing secret (shown once); the previous one keeps signing for graceSeconds',
        params: WebhookParams,
        body: Type.Object({
          graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800, default: 86_400, description: 'How long the previous secret also signs (a second v1 signature); 0 stops it at once' })),
        }, { additionalProperties: false }),
        response: { 200: WebhookWithSecret, ...errorResponses },
      },
    }, async (request) => rotateWebhookSecret(ctx, adminCallerOf(request).state.project.id, request.params.webhookId, request.body.graceSeconds));

    app.get('/webhooks/:webhookId/deliveries', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: "The webhook's deliveries, newest first: status, attempts, last response code",
        params: WebhookParams,
        querystring: Type.Object(PageQuery),
        response: {
          200: Type.Object({ data: Type.Array(SchemaRef(WebhookDelivery)), nextCursor: Nullable(Type.String(), { description: 'Pass as cursor for the next page; null on the last' }) }, { description: 'A page of deliveries' }),
          ...errorResponses,
        },
      },
    }, async (request) => listDeliveries(ctx, adminCallerOf(request).state.project.id, request.params.webhookId, { limit: pageLimit(request.query.limit), cursor: request.query.cursor }));

    app.post('/webhooks/:webhookId/deliveries/:deliveryId/retry', {
      config: { scope: 'webhooks:write' },
      schema: {
        tags: TAGS,
        summary: 'Send a succeeded or dead delivery again (same webhook-id, a new 24 h retry window)',
        params: DeliveryParams,
        response: { 202: SchemaRef(WebhookDelivery, { description: 'The delivery, pending again' }), ...errorResponses },
      },
    }, async (request, reply) => {
      const { state } = adminCallerOf(request);
      return reply.status(202).send(await retryDelivery(ctx, state.project.id, request.params.webhookId, request.params.deliveryId));
    });
  };
}
