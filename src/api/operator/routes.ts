import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../fastapi-schemas.ts';

const security = [{ BearerJWT: [] }];
const tags = ['Operator'];
const tenantParam = z.object({ tenant_id: z.string().min(1).max(64) });
const dateTime = z.string().openapi({ format: 'date-time' });

const Tenant = z.object({ tenant_id: z.string(), name: z.string(), partner_org_id: z.string().nullable(), created_at: dateTime }).openapi('Tenant');

export const createTenantRoute = createRoute({
  method: 'post',
  operationId: 'createTenant',
  path: '/',
  tags,
  summary: 'Create a tenant and its first API key (the key is shown only here)',
  security,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            name: z.string().trim().min(1).max(200),
            partner_org_id: z.string().trim().min(1).max(64).nullish(),
          }),
        },
      },
    },
  },
  responses: {
    201: { description: 'Tenant created', content: { 'application/json': { schema: Tenant.extend({ api_key: z.string() }) } } },
    ...errorResponses,
  },
});

export const listTenantsRoute = createRoute({
  method: 'get',
  operationId: 'listTenants',
  path: '/',
  tags,
  summary: 'List the tenants within the token’s reach',
  security,
  responses: {
    200: { description: 'Tenants', content: { 'application/json': { schema: z.object({ items: z.array(Tenant), total: z.number() }) } } },
    ...errorResponses,
  },
});

const ApiKey = z.object({ key_id: z.string(), label: z.string().nullable(), created_at: dateTime, revoked_at: dateTime.nullable() }).openapi('ApiKey');

export const issueKeyRoute = createRoute({
  method: 'post',
  operationId: 'issueApiKey',
  path: '/{tenant_id}/api-keys',
  tags,
  summary: 'Issue another API key for a tenant (rotation); the key is shown only here',
  security,
  request: {
    params: tenantParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ label: z.string().max(200).nullish() }) } } },
  },
  responses: {
    201: { description: 'Key issued', content: { 'application/json': { schema: ApiKey.extend({ api_key: z.string() }) } } },
    ...errorResponses,
  },
});

export const listKeysRoute = createRoute({
  method: 'get',
  operationId: 'listApiKeys',
  path: '/{tenant_id}/api-keys',
  tags,
  summary: 'List a tenant’s API keys (never the keys themselves)',
  security,
  request: { params: tenantParam },
  responses: {
    200: { description: 'Keys', content: { 'application/json': { schema: z.object({ items: z.array(ApiKey) }) } } },
    ...errorResponses,
  },
});

export const revokeKeyRoute = createRoute({
  method: 'delete',
  operationId: 'revokeApiKey',
  path: '/{tenant_id}/api-keys/{key_id}',
  tags,
  summary: 'Revoke an API key',
  security,
  request: { params: tenantParam.extend({ key_id: z.string().min(1).max(64) }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses },
});

const As2Partner = z.object({ partner_id: z.number().int(), tenant_id: z.string(), name: z.string(), created_at: dateTime }).openapi('As2TradingPartner');

export const createAs2PartnerRoute = createRoute({
  method: 'post',
  operationId: 'createAs2Partner',
  path: '/{tenant_id}/as2-partners',
  tags,
  summary: 'Create an AS2 trading partner of a tenant (page 003’s integer partner_id)',
  security,
  request: {
    params: tenantParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ name: z.string().trim().min(1).max(200) }) } } },
  },
  responses: {
    201: { description: 'Partner created', content: { 'application/json': { schema: As2Partner } } },
    ...errorResponses,
  },
});

export const listAs2PartnersRoute = createRoute({
  method: 'get',
  operationId: 'listAs2Partners',
  path: '/{tenant_id}/as2-partners',
  tags,
  summary: 'List a tenant’s AS2 trading partners',
  security,
  request: { params: tenantParam },
  responses: {
    200: { description: 'Partners', content: { 'application/json': { schema: z.object({ items: z.array(As2Partner) }) } } },
    ...errorResponses,
  },
});
