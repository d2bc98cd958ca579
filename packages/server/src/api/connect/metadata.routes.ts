import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { integrationMetadata } from '../../domain/integrations/index.ts';
import { ProjectParams, errorResponses } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';

const IntegrationMetadataSchema = Type.Object(
  {
    type: Type.String({ description: 'Integration type: a built-in type such as `salesforce`, or `custom.<slug>`' }),
    name: Type.String(),
    brandColor: Type.String({ description: '#RRGGBB' }),
    icon: Type.String({ description: "Icon URL, on the SDK's default CDN" }),
  },
  { additionalProperties: false, description: "Paragon's IntegrationMetadata" },
);

/** `GET /sdk/metadata`: answered from the cached project state and the provider catalog. */
export function metadataConnectRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/metadata', {
      schema: {
        tags: ['Connect'],
        summary: "Name, brand colour and icon of the project's active integrations (SDK getIntegrationMetadata)",
        params: ProjectParams,
        response: { 200: Type.Array(IntegrationMetadataSchema, { description: "The project's active integrations" }), ...errorResponses },
      },
    }, async (request) => integrationMetadata(callerOf(request).state.integrations));
  };
}
