import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);
// Link-local (cloud metadata at 169.254.169.254, fe80::/10), the AWS IPv6 metadata address and
// "any" addresses: never a database, always an SSRF target.
const ALWAYS_BLOCKED = new BlockList();
ALWAYS_BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_BLOCKED.addAddress('0.0.0.0', 'ipv4');
ALWAYS_BLOCKED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_BLOCKED.addAddress('fd00:ec2::254', 'ipv6');
ALWAYS_BLOCKED.addAddress('::', 'ipv6');

/**
 * Parses a dataset URL strictly: postgres(ql)://user[:password]@host[:port]/database, with only
 * `sslmode` as a parameter. Everything else pg would honour (`host=` pointing at a socket or another
 * server, `sslrootcert=` reading local files, `options=`) is refused rather than checked.
 */
export function parseConnectionUrl(text: string): { ok: true; value: ConnectionTarget } | { ok: false; problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: 'is not a URL' };
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return { ok: false, problem: 'must start with postgres:// or postgresql://' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host || host.includes('%')) return { ok: false, problem: 'must name a host' };
  if (!url.username) return { ok: false, problem: 'must name the read-only role (user)' };
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) return { ok: false, problem: 'must name a database' };
  for (const [key, value] of url.searchParams) {
    if (key !== 'sslmode') return { ok: false, problem: `parameter "${key}" is not allowed (only sslmode)` };
    if (!SSL_MODES.has(value)) return { ok: false, problem: `sslmode "${value}" is not known` };
  }
  return { ok: true, value: { host: host.toLowerCase(), port: url.port ? Number(url.port) : 5432, database, user: decodeURIComponent(url.username) } };
}

function allowList(entries: readonly string[]): { names: string[]; suffixes: string[]; addresses: BlockList } {
  const addresses = new BlockList();
  const names: string[] = [];
  const suffixes: string[] = [];
  for (const raw of entries) {
    const entry = raw.toLowerCase();
    const [ip, bits] = entry.split('/');
    const family = isIP(ip ?? '');
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) addresses.addAddress(ip as string, type);
      else addresses.addSubnet(ip as string, Number(bits), type);
    } else if (entry.startsWith('.')) suffixes.push(entry);
    else names.push(entry);
  }
  return { names, suffixes, addresses };
}

/**
 * Whether a dataset may connect to `host`: with DATASET_ALLOWED_HOSTS set, the name must be listed
 * (or end in a listed `.suffix`) or every address it resolves to must be in a listed address or
 * CIDR; in every case, no address may be link-local or "any" unless listed explicitly. Returns the
 * problem, or undefined when allowed.
 */
export async function hostProblem(host: string, allowed: readonly string[], resolve = (h: string) => lookup(h, { all: true })): Promise<string | undefined> {
  const list = allowList(allowed);
  const named = list.names.includes(host) || list.suffixes.some((s) => host.endsWith(s));
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  } catch {
    return `host "${host}" does not resolve`;
  }
  const type = (family: number) => (family === 6 ? 'ipv6' : 'ipv4');
  const listed = (a: { address: string; family: number }) => list.addresses.check(a.address, type(a.family));
  if (addresses.some((a) => ALWAYS_BLOCKED.check(a.address, type(a.family)) && !listed(a) && !named)) {
    return `host "${host}" resolves to a link-local or unspecified address`;
  }
  if (allowed.length > 0 && !named && !(addresses.length > 0 && addresses.every(listed))) {
    return `host "${host}" is not in DATASET_ALLOWED_HOSTS`;
  }
  return undefined;
}
