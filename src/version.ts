/** hookgate's version (the OpenAPI document, `hookgate --version`); test/openapi.test.ts holds it equal to package.json's. */
export const VERSION = '0.1.0';
