/** Which backend this test process runs the behaviour suites on (set per vitest project). */
export type Backend = 'embedded' | 'services';

export const BACKEND: Backend = process.env.AUREUS_TEST_BACKEND === 'services' ? 'services' : 'embedded';
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
export const TEMPLATE_DB = 'aureus_test_template';

/** Nothing destructive runs against a database whose name does not say it is a test database. */
export function assertTestDatabase(name: string): void {
  if (!/test/i.test(name)) throw new Error(`Refusing to touch database "${name}": its name does not say it is a test database.`);
}

export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
