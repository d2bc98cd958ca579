import { Type, type Static } from '@sinclair/typebox';
import { SchemaRef } from '../../platform/http/schemas.ts';
import { IntegrationStates } from '../connections/index.ts';
import { SdkProject } from '../projects/index.ts';
import { SdkResource, UserMeta } from './sdk-me.schema.ts';

/** A Connected User as the Admin API shows it: the `GET /sdk/me` fields plus status and timestamps. */
export const ConnectedUserDetails = Type.Object(
  {
    id: Type.String({ description: "Portico's id of the user (personaId on credentials)" }),
    userId: Type.String({ description: "The app's id of the user: the sub of their tokens" }),
    active: Type.Boolean({ description: 'False once the project disabled the user' }),
    meta: UserMeta,
    integrations: IntegrationStates,
    dateCreated: Type.String({ format: 'date-time' }),
    dateUpdated: Type.String({ format: 'date-time' }),
    dateLastActive: Type.String({ format: 'date-time', description: 'Last request of the user, to the minute' }),
    resources: Type.Array(SdkResource, { description: 'API Resources; none yet, so always []' }),
    project: SchemaRef(SdkProject),
  },
  { description: 'A Connected User' },
);
export type ConnectedUserDetails = Static<typeof ConnectedUserDetails>;
