import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from './server.js';

/** OpenAPI generated from the route schemas: JSON at /openapi.json, the UI at /docs. */
export async function registerDocs(app: App, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Aureus', version, description: 'Governed data-access gateway. Every error uses the body `{error: {code, message, request_id, details?}}`.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          metricsToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });
  app.get('/openapi.json', { config: { auth: 'public', ops: true, rateLimit: false }, schema: { hide: true } }, async () => app.swagger());
}
