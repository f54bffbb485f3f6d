import { createServer, type Server } from 'node:net';

/**
 * A TCP listener that speaks just enough TNS to refuse every connect as a real listener does for
 * a service it does not know: a REFUSE packet carrying `(ERR=12514)`. Lets `validate` be tested
 * for a wrong service name without an Oracle listener.
 */
export async function startRefusingListener(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((socket) => {
    socket.once('data', () => {
      const data = Buffer.from('(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR=12514)(ERROR_STACK=(ERROR=(CODE=12514)(EMFI=4))))', 'ascii');
      const packet = Buffer.alloc(12 + data.length);
      packet.writeUInt16BE(packet.length, 0); // length
      packet[4] = 4; // type: REFUSE
      packet[8] = 0x22; // user reason
      packet[9] = 0; // system reason
      packet.writeUInt16BE(data.length, 10);
      data.copy(packet, 12);
      socket.end(packet);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A loopback port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A listener that accepts TCP connections and never answers (a hung listener, or a firewall that swallows packets after the handshake). */
export async function startSilentListener(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }) };
}
