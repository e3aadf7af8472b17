import { createServer, type Server, type Socket } from 'node:net';
import { openDatabase } from '../db/pool';

// A database that takes the connection and never answers (a hung server, a black-holed network)
// must fail a query after DATABASE_CONNECT_TIMEOUT_MS, not hold a request or an activity for ever.

let silent: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  sockets.forEach((s) => s.destroy());
  await new Promise((resolve) => silent.close(resolve));
});

test('given a server that accepts connections and never answers, opening the database should fail once the connect timeout has passed', async () => {
  const { port } = silent.address() as { port: number };
  const outcome = await openDatabase({ url: `postgres://relief@127.0.0.1:${port}/relief`, connectTimeoutMs: 500 }).then(
    (pool) => pool.end().then(() => 'opened'),
    (err: Error) => err.message,
  );
  // Without a connect timeout this never settles, and jest's timeout fails the test instead.
  expect(outcome).toBe('Connection terminated due to connection timeout');
}, 30_000);
