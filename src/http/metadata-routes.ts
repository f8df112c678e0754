import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.ts';
import { oauthEndpoints } from '../oauth/discovery.ts';
import type { Services } from './app.ts';

/** The authorization server metadata (RFC 8414) for an issuer: every URL absolute under it. */
export function authorizationServerMetadata(config: Pick<Config, 'issuer' | 'passwordGrant'>) {
  return Object.freeze(oauthEndpoints(config));
}

const stringList = { type: 'array', items: { type: 'string' } } as const;

/** `GET /.well-known/oauth-authorization-server`: how standard OAuth clients discover latchkey. */
export function metadataRoutes({ config }: Services): FastifyPluginAsync {
  const metadata = authorizationServerMetadata(config);
  return async (app) => {
    app.get(
      '/.well-known/oauth-authorization-server',
      {
        schema: {
          summary: 'Authorization server metadata (RFC 8414)',
          tags: ['OAuth 2.0 API'],
          response: {
            200: {
              type: 'object',
              properties: {
                issuer: { type: 'string' },
                authorization_endpoint: { type: 'string' },
                token_endpoint: { type: 'string' },
                jwks_uri: { type: 'string' },
                revocation_endpoint: { type: 'string' },
                grant_types_supported: stringList,
                response_types_supported: stringList,
                token_endpoint_auth_methods_supported: stringList,
                revocation_endpoint_auth_methods_supported: stringList,
                response_modes_supported: stringList,
                code_challenge_methods_supported: stringList,
                scopes_supported: stringList,
                authorization_response_iss_parameter_supported: { type: 'boolean' },
              },
            },
          },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return metadata;
      },
    );
  };
}
