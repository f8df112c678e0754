/**
 * `latchkey/verify`: what a resource server needs to accept latchkey's access tokens offline.
 *
 * @example
 * import { createVerifier, fastifyBearer } from 'latchkey/verify'
 * const verify = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://auth.example.com' })
 * app.addHook('onRequest', fastifyBearer(verify))
 *
 * Fastify, Express and Fetch-API servers (Hono, Next.js) each have their glue: `fastifyBearer`,
 * `expressBearer` and `verifyRequest`. None of them imports its framework, and this entry point
 * carries none of the server's dependencies (no database driver, no Fastify, no argon2).
 */
export { createVerifier, type LatchkeyVerifier, type Verifier, type VerifierOptions } from './create-verifier.ts';
export { RevocationFollower, type FollowerSnapshot, type FollowerStatus, type RevocationFeedOptions } from './revocation-follower.ts';
export { readEventStream, type StreamEvent } from './event-stream.ts';
export { VerifyError, type VerifyErrorCode } from './errors.ts';
export { fastifyBearer } from './fastify.ts';
export { expressBearer } from './express.ts';
export { verifyRequest, type RequestVerification } from './verify-request.ts';
export { authorizeBearer, type BearerAuthOptions, type BearerOutcome, type BearerRefusal } from './bearer-auth.ts';
export { createRemoteJwks, type RemoteJwks, type RemoteJwksOptions } from './remote-jwks.ts';
export { importVerificationKey } from './jwk-key.ts';
export { createTokenVerifier, type AccessTokenAlg, type TokenVerifier, type TokenVerifierOptions, type VerificationKey, type VerifiedClaims } from './token-verifier.ts';
export * from './require-role.ts';
