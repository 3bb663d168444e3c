import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NodemailerSubmitter } from '../../../../src/backends/smtp/nodemailer-submitter.js';
import { BackendError } from '../../../../src/backends/types.js';

// A connection lost after the whole message went out (RFC 5321 4.1.1.4) is a temporary failure,
// whether or not the server had begun its reply: the device's retry sends the message again, under
// the same Message-ID (send-mail.ts), so a lost reply gives one message twice at worst, never none.
// A scripted submission server plays both endings.

type Ending = 'partial-reply' | 'silence';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function scriptedServer(ending: Ending): Promise<number> {
  server = createServer((socket: Socket) => {
    let data = false;
    let buffered = '';
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      if (data) {
        if (!buffered.includes('\r\n.\r\n')) return;
        // The whole message is here: begin the reply and cut, or say nothing and cut.
        if (ending === 'partial-reply') socket.write('25');
        setTimeout(() => socket.destroy(), 20);
        return;
      }
      let end;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end).toUpperCase();
        buffered = buffered.slice(end + 2);
        if (line.startsWith('EHLO')) socket.write('250-test\r\n250 AUTH PLAIN\r\n');
        else if (line.startsWith('AUTH')) socket.write('235 ok\r\n');
        else if (line === 'DATA') {
          data = true;
          socket.write('354 go on\r\n');
          return;
        } else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

function submitter(port: number): NodemailerSubmitter {
  return new NodemailerSubmitter(
    { host: '127.0.0.1', port, secure: false, timeoutMs: 2000 },
    { user: 'bob', password: 'password' },
  );
}

const message = Buffer.from('From: bob@example.test\r\nTo: carol@example.test\r\nSubject: x\r\n\r\nbody\r\n');
const envelope = { from: 'bob@example.test', to: ['carol@example.test'] };

describe('SMTP submission cut off after the message', () => {
  it.each<Ending>(['partial-reply', 'silence'])(
    'fails as temporary (%s), so the retry sends it again',
    async (ending) => {
      const port = await scriptedServer(ending);
      const failure = await submitter(port)
        .submit(message, envelope)
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(BackendError);
      expect((failure as BackendError).kind).toBe('temporary');
    },
  );
});
